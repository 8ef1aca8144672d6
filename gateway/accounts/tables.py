"""The gateway's tables: accounts, their server-side sessions and their API keys. The schema
is made by the migrations (migrations/versions/); a test checks the two agree."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, LargeBinary, MetaData, Table, Text, text

metadata = MetaData()

accounts = Table(
    "accounts",
    metadata,
    Column("id", Text, primary_key=True),
    Column("email", Text, nullable=False),  # lower-cased; unique
    Column("password_hash", Text),  # argon2id; NULL for an account that signs in with OIDC only
    Column("oidc_issuer", Text),
    Column("oidc_subject", Text),
    Column("created_ms", BigInteger, nullable=False),
    Index("accounts_email", "email", unique=True),
    Index("accounts_oidc", "oidc_issuer", "oidc_subject", unique=True, postgresql_where=text("oidc_issuer IS NOT NULL")),
)

# A session's token is never stored: only its SHA-256, so a copy of the table signs no one in.
auth_sessions = Table(
    "auth_sessions",
    metadata,
    Column("token_hash", LargeBinary, primary_key=True),
    Column("account_id", Text, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    Column("expires_ms", BigInteger, nullable=False),
    Index("auth_sessions_account", "account_id"),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Text, primary_key=True),
    Column("account_id", Text, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("name", Text, nullable=False),
    Column("prefix", Text, nullable=False),  # the secret's first characters, to recognise it
    Column("secret_hash", LargeBinary, nullable=False),  # SHA-256 of the secret
    Column("created_ms", BigInteger, nullable=False),
    Column("last_used_ms", BigInteger),
    Index("api_keys_secret", "secret_hash", unique=True),
    Index("api_keys_account", "account_id"),
)
