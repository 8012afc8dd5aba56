"""NPS and CSI surveys (M5): questionnaires as data, invitations by signed link after a purchase
or a service contact, answers on a public page or at the till, and scores."""
