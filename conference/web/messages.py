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
)  # fmt: skip
