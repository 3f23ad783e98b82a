from .organisations import LocalAuthority, School
from .users import Role, User

__all__ = ["LocalAuthority", "Role", "School", "User"]
