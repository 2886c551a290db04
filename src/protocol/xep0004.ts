/**
 * XEP-0004: Data Forms, version 2.13
 * https://xmpp.org/extensions/xep-0004.html
 */
import { type Element, xml } from "@xmpp/component";
import { NS } from "./namespaces.js";

/** A form field as plain data. */
export interface FormField {
  var: string;
  type?: "boolean" | "fixed" | "hidden" | "jid-multi" | "jid-single" | "list-multi" | "list-single" | "text-multi" | "text-private" | "text-single";
  label?: string;
  values: string[];
}

/** Builds `<x xmlns="jabber:x:data" type>` with a hidden FORM_TYPE first (XEP-0068). */
export function dataForm(
  type: "form" | "result" | "submit",
  formType: string,
  fields: FormField[],
  extras: { title?: string; instructions?: string } = {},
): Element {
  return xml(
    "x",
    { xmlns: NS.DATA, type },
    extras.title ? xml("title", {}, extras.title) : null,
    extras.instructions ? xml("instructions", {}, extras.instructions) : null,
    fieldElement({ var: "FORM_TYPE", type: "hidden", values: [formType] }),
    ...fields.map(fieldElement),
  );
}

function fieldElement(f: FormField): Element {
  return xml(
    "field",
    { var: f.var, type: f.type, label: f.label },
    ...f.values.map((v) => xml("value", {}, v)),
  );
}

/** Reads a submitted form into `var → values`; returns undefined when there is no form. */
export function parseForm(parent: Element): Map<string, string[]> | undefined {
  const x = parent.getChild("x", NS.DATA);
  if (!x) return undefined;
  const fields = new Map<string, string[]>();
  for (const field of x.getChildren("field")) {
    if (!field.attrs.var) continue;
    fields.set(
      field.attrs.var,
      field.getChildren("value").map((v) => v.getText()),
    );
  }
  return fields;
}
