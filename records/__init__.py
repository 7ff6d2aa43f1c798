"""What the assistant keeps for people after a conversation: reports kept behind a link, messages for the bureau
(tickets), feedback on answers. Neither the law (``policy_kb``) nor Rasa glue (``actions``, ``bot``): the action
server writes these records, the Rasa server's channels (the report page, the staff console) read them, so both
import this package and it imports neither. SQLAlchemy 1.4 Core/ORM on SQLite or PostgreSQL (``RECORDS_URL``)."""
