"""Clinical tasks: safety tasks raised by instrument flags, open until resolved with a note."""
