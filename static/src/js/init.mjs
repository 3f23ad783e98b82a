// Progressive enhancement only: every page works without JavaScript.
import { initAll } from "./govuk-frontend.min.js";

initAll();

if (document.querySelector('[data-module="app-import-progress"]')) {
  import("./import-progress.mjs");
}
