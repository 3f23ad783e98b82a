from .people import Carer, Enrolment, Pupil, PupilCarer

__all__ = ["Carer", "Enrolment", "Pupil", "PupilCarer"]
