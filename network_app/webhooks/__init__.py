"""Signed webhooks for partner tools (issue 7): registration with URL checks, the fan-out of
events to the webhooks that want them, deliveries as Celery tasks with HMAC-SHA256 signatures,
retries with exponential backoff, a delivery log and automatic disabling.

Verifying a delivery (receiver side)::

    expected = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    ok = hmac.compare_digest(f"sha256={expected}", request.headers["X-Smallbatch-Signature"])
    # and refuse timestamps more than a few minutes old (replays)
"""
