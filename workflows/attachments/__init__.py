"""Comments and attachments (评论与附件): a comment thread per loan, checked files on a task.

``comments`` writes and reads a loan's thread; ``files`` attaches a file to an open task and answers
who may see it; ``content`` checks a file by its bytes (JPEG, PNG, PDF); ``storage`` keeps the bytes
under their SHA-256 (the instance folder by default; the interface leaves room for an object store).
"""
from . import comments, content, files, storage

__all__ = ["comments", "content", "files", "storage"]
