from .notice import NoticeToImprove

__all__ = ["NoticeToImprove"]
