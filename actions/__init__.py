"""The rasa_sdk action server: thin glue that reads slots/entities, calls policy_kb, and picks a response."""
