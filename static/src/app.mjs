// Starts GOV.UK Frontend's components (menus, error summaries, details, tabs...).
import { initAll } from "./govuk/govuk-frontend.min.js";

initAll();

// A wide table scrolls inside its wrapper: keyboard users must be able to reach and scroll it,
// and screen readers hear what the region holds (the table's caption).
for (const wrapper of document.querySelectorAll(".app-table-wrapper")) {
  wrapper.tabIndex = 0;
  wrapper.setAttribute("role", "region");
  const caption = wrapper.querySelector("caption");
  if (caption && caption.textContent.trim()) {
    wrapper.setAttribute("aria-label", caption.textContent.trim().replace(/\s+/g, " "));
  }
}
