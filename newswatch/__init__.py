"""newswatch: scheduled news monitoring that alerts analysts when a security alliance cracks."""

__version__ = "0.1.0"
# Secrets in URLs never reach a log line, from any logger in a process that uses newswatch.
from newswatch.redact import install_log_redaction

install_log_redaction()

USER_AGENT = f"newswatch/{__version__} (+https://github.com/newswatch/newswatch; news monitoring)"
