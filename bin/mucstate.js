#!/usr/bin/env node
// The `mucstate` command. Build first (`npm run build`); `npm run demo` does it for you.
import { main } from "../dist/cli/main.js";

main(process.argv.slice(2)).then(
  (code) => {
    // Exit now: a legacy callback the shutdown abandoned may still hold a timer or a socket.
    process.stdout.write("", () => process.exit(typeof code === "number" ? code : 0));
  },
  (error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
