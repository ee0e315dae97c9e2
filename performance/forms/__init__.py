"""The forms of the performance app: the measure catalogue and commentary (`measures`), and
imports of measure values (`imports`)."""
