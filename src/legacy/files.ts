/**
 * The files of the plugin API: what `onFile` receives when the user sends one, and what
 * `participant.sendFile` takes to send one from the legacy network.
 */

/**
 * A file the user sent to the room, read from XEP-0447 stateless file sharing, XEP-0385 SIMS or
 * an XEP-0066 out-of-band URL (in that order of preference when a message carries several).
 */
export interface IncomingFile {
  /** Where the file can be downloaded (the user's server's XEP-0363 upload, usually). */
  url: string;
  /** The file name the client gave; else the last segment of the URL's path, when it has one. */
  name?: string;
  /** The media type, when the client said (XEP-0447 and XEP-0385 carry it; XEP-0066 does not). */
  mime?: string;
  /** Size in bytes, when the client said. */
  size?: number;
  /** The file's own description: the `<desc/>` of its metadata or of the out-of-band data. */
  description?: string;
  /**
   * The text the user wrote with the file: the body without the URL, when the body is more than
   * the URL (clients such as Conversations and Converse.js send a body that is just the URL).
   */
  caption?: string;
}

/** A file to send by its URL: the message carries the URL as it is, nothing is uploaded. */
export interface FileByUrl {
  /** Where the file can be downloaded; it goes out as the body, with XEP-0066 and XEP-0447. */
  url: string;
  /** The file name to announce (XEP-0447 metadata). */
  name?: string;
  /** The media type to announce. */
  mime?: string;
  /** The size in bytes to announce. */
  size?: number;
}

/** A file to send by its bytes: uploaded through the server's XEP-0363 service first. */
export interface FileByData {
  /** The file's bytes, uploaded through the server's XEP-0363 service before the message goes out. */
  data: Uint8Array;
  /** The file name: the upload slot's name, the end of the URL, and the announced name. */
  name: string;
  /** The media type of the upload and announcement. @defaultValue `"application/octet-stream"` */
  mime?: string;
  /** The size in bytes; when given it must equal `data.byteLength`. */
  size?: number;
}

/** What {@link LegacyParticipant.sendFile} takes: a URL, or bytes to upload. */
export type OutgoingFile = FileByUrl | FileByData;
