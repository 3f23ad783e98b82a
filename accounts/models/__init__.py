from .organisations import LocalAuthority, School
from .tokens import ApiToken
from .users import Role, User

__all__ = ["ApiToken", "LocalAuthority", "Role", "School", "User"]
