"""newswatch: scheduled news monitoring that alerts analysts when a security alliance cracks."""

__version__ = "0.1.0"
USER_AGENT = f"newswatch/{__version__} (+https://github.com/newswatch/newswatch; news monitoring)"
