"""Personalised services for a logged-in applicant (docs/personal-services.md): life-event themes
recommended from their own registry facts, reminders before a held licence expires, and proactive
benefits (免申即享) confirmed in one step; each with its reason and an opt-out per kind."""
