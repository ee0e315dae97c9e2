from django.apps import AppConfig


class FinanceConfig(AppConfig):
    name = "finance"
    verbose_name = "Integrated Care Fund"

    def ready(self) -> None:
        from finance import selectors
        from programmes.pages import ProgrammePageSection, programme_page_section_register

        programme_page_section_register(
            ProgrammePageSection(
                template_name="finance/includes/programme_budget_lines.html",
                context=selectors.programme_budget_lines_context,
            )
        )
