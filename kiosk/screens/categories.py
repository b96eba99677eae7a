
from kiosk.screens.facade import kiosk
from kiosk.screens.widgets import CardButton, KioskScreen


class CategoriesScreen(KioskScreen):
    """The catalogue's categories, as large choices."""

    def refresh(self) -> None:
        app = kiosk()
        language = app.tr.language
        grid = self.ids.grid
        grid.clear_widgets()
        for category in app.catalog.categories:
            card = CardButton(title=category.title.in_(language), summary=category.summary.in_(language),
                              icon=category.icon)
            card.bind(on_release=lambda _c, cid=category.id: app.journey.choose_category(cid))
            grid.add_widget(card)
