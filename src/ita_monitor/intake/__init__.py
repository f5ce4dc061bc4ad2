"""What goes to units and what comes back: the prefilled forms and their mails (`notify`), the
version store (`versions`), reading a unit's file (`submissions`), the channels (mail-in, LINE,
uploads, unit links), the look at a waiting round and completeness."""
