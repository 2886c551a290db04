/**
 * Fixture room fields for bookmarks and reactions: `addToBookmarks` (true, or
 * `{ autoJoin, invite, preserve }`), `availableEmojis` and `maxReactionsPerUser`; and the user's
 * own `userAffiliation` and `userRole` (a moderator may moderate, XEP-0425).
 */
import { type RawObject, expected, fieldPath, indexPath, optionalBoolean, optionalEnum, readArray, readObject } from "./fixtureFields.js";
import { FIXTURE_AFFILIATIONS, FIXTURE_ROLES, type FixtureRoom } from "./fixtureSchema.js";

type Extras = Pick<FixtureRoom, "addToBookmarks" | "availableEmojis" | "maxReactionsPerUser" | "userAffiliation" | "userRole">;

/** Reads the bookmark, reaction and user-role fields of a fixture room. */
export function readRoomExtras(obj: RawObject, path: string): Extras {
  const extras: Extras = {};
  const bookmarks = obj.addToBookmarks;
  const bookmarksPath = fieldPath(path, "addToBookmarks");
  if (bookmarks === true) extras.addToBookmarks = {};
  else if (bookmarks !== undefined && bookmarks !== false) {
    const options = readObject(bookmarks, bookmarksPath, ["autoJoin", "invite", "preserve"]);
    extras.addToBookmarks = {};
    for (const key of ["autoJoin", "invite", "preserve"] as const) {
      if (options[key] !== undefined) extras.addToBookmarks[key] = optionalBoolean(options, key, bookmarksPath, true);
    }
  }
  if (obj.availableEmojis !== undefined) {
    extras.availableEmojis = readArray(obj, "availableEmojis", path, false).map((e, i) => {
      if (typeof e !== "string" || e === "") expected(indexPath(fieldPath(path, "availableEmojis"), i), "a non-empty string", e);
      return e;
    });
  }
  const max = obj.maxReactionsPerUser;
  if (max !== undefined) {
    if (typeof max !== "number" || !Number.isInteger(max) || max < 1) expected(fieldPath(path, "maxReactionsPerUser"), "a positive integer", max);
    extras.maxReactionsPerUser = max;
  }
  if (obj.userAffiliation !== undefined) extras.userAffiliation = optionalEnum(obj, "userAffiliation", path, FIXTURE_AFFILIATIONS, "member");
  if (obj.userRole !== undefined) extras.userRole = optionalEnum(obj, "userRole", path, FIXTURE_ROLES, "participant");
  return extras;
}
