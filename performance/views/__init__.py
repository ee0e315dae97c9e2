"""The pages of the performance app: measures and their reports (`measures`), and imports of
measure values (`imports`)."""
