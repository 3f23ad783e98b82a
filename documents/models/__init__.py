from .document import Document
from .wording import Wording

__all__ = ["Document", "Wording"]
