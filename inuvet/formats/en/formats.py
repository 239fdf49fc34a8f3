# English as used at a Finnish clinic: day before month, 24-hour clock, weeks from Monday.
DATE_FORMAT = "j F Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y H:i"
SHORT_DATE_FORMAT = "j.n.Y"
FIRST_DAY_OF_WEEK = 1
