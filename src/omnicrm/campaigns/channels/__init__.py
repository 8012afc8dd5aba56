"""Channel providers: e-mail over SMTP, and SMS / push / messenger through an HTTP provider."""
