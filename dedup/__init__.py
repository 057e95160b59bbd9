"""newsdedup: find duplicate and near-duplicate news articles and cluster their versions."""

__version__ = "0.1.0"
