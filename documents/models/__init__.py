from .batch import DocumentBatch, TextMessage
from .document import Document
from .wording import Wording

__all__ = ["Document", "DocumentBatch", "TextMessage", "Wording"]
