"""Accounts (issue 9): invitation links, the two-step login with TOTP codes, and two-factor
settings. Password hashing (Argon2) and the login lockout (django-axes) are configured in
``network_app/settings.py`` under "Trust: accounts"."""
