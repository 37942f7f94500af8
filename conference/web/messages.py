"""Messages chosen at run time, listed here so that `make catalogs` extracts them."""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark a message for extraction without translating it here."""
    return message


RUNTIME_MESSAGES = (
    # Session kinds and support statuses, as shown in pages.
    N_("plenary"), N_("breakout"), N_("lightning"), N_("social"),
    N_("requested"), N_("granted"), N_("declined"),
    # Error pages.
    N_("This request could not be understood"), N_("You may not do that"), N_("Not found"),
    N_("Not allowed"), N_("Too large"), N_("Too many requests"), N_("Something went wrong"),
    N_("Not Found"), N_("Method Not Allowed"), N_("You may not do that."),
    N_("There is nothing here."), N_("This registration link is not valid."),
    N_("This calendar link is not valid."),
    N_("This form has expired or did not come from this site. Go back, reload the page and send it again."),
    # Sign languages pickers offer (conference/domain/sign_languages.py COMMON_SIGN): they have
    # no written name of their own, so the page names them in the reader's language.
    N_("International Sign"), N_("American Sign Language"), N_("British Sign Language"),
    N_("Indian Sign Language"), N_("French Sign Language"), N_("German Sign Language"),
    N_("Brazilian Sign Language"), N_("Auslan"), N_("Spanish Sign Language"),
    N_("Mexican Sign Language"), N_("Argentine Sign Language"), N_("Chinese Sign Language"),
    N_("Japanese Sign Language"), N_("Korean Sign Language"), N_("Russian Sign Language"),
    N_("Italian Sign Language"), N_("South African Sign Language"), N_("Kenyan Sign Language"),
    N_("Nigerian Sign Language"), N_("Ghanaian Sign Language"), N_("Saudi Arabian Sign Language"),
    N_("Egypt Sign Language"), N_("Jordanian Sign Language"), N_("Turkish Sign Language"),
    N_("Pakistan Sign Language"), N_("Indonesian Sign Language"), N_("Quebec Sign Language"),
    N_("Sign language"), N_("Sign language (%(region)s)"),
)  # fmt: skip
