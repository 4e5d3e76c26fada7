"""The staff side: admin registrations by area, calendar, day sheet, reports, exports, phone
booking and moves, all behind one role helper (`roles`). Booking's core never imports it."""
