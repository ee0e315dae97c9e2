// Starts GOV.UK Frontend's components (menus, error summaries, details, tabs...).
import { initAll } from "./govuk/govuk-frontend.min.js";

initAll();
