// Builds the front end into static/build/ (git-ignored; Django serves it via
// STATICFILES_DIRS). Run with `npm run build`. No dependencies beyond Dart Sass.
//
//   static/build/css/main.css              compiled from scss/main.scss
//   static/build/js/govuk-frontend.min.js  GOV.UK Frontend (ES module) and its source map
//   static/build/js/init.mjs               starts the GOV.UK Frontend components
//   static/build/images/favicon.svg        our own icon (not the GOV.UK crown)
//
// GOV.UK fonts and crown images are deliberately not copied: this is not a
// GOV.UK service.
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import * as sass from "sass";

const started = performance.now();
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const src = path.join(root, "static/src");
const out = path.join(root, "static/build");
const govuk = path.join(root, "node_modules/govuk-frontend/dist/govuk");

// Start clean so that a removed source file never lingers in the build.
rmSync(out, { recursive: true, force: true });
mkdirSync(path.join(out, "css"), { recursive: true });

const { css } = sass.compile(path.join(src, "scss/main.scss"), {
  style: "compressed",
  sourceMap: false,
  loadPaths: [path.join(root, "node_modules")],
  importers: [new sass.NodePackageImporter(root)],
  // Silence warnings raised inside govuk-frontend only; our own code still warns.
  quietDeps: true,
});
writeFileSync(path.join(out, "css/main.css"), css + "\n");

const copies = [
  // The source map is copied too: the script names it, and Django's manifest
  // storage (collectstatic in production) fails on a missing sourceMappingURL.
  [path.join(govuk, "govuk-frontend.min.js"), "js/govuk-frontend.min.js"],
  [path.join(govuk, "govuk-frontend.min.js.map"), "js/govuk-frontend.min.js.map"],
  [path.join(src, "js/init.mjs"), "js/init.mjs"],
  [path.join(src, "js/import-progress.mjs"), "js/import-progress.mjs"],
  [path.join(src, "images/favicon.svg"), "images/favicon.svg"],
];
for (const [from, to] of copies) {
  cpSync(from, path.join(out, to));
}

const ms = Math.round(performance.now() - started);
console.log(`Built static/build/ (css/main.css ${Math.round(css.length / 1024)} kB) in ${ms} ms`);
