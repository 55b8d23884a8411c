"""Clinical tasks: safety tasks raised by instrument flags and follow-up tasks, urgent or
routine, assigned to named clinicians, open until resolved with a documented action."""
