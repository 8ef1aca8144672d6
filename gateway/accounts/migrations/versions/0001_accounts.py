"""Accounts, their sessions and their API keys.

Revision ID: 0001
Revises:
"""

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE accounts (
          id text PRIMARY KEY,
          email text NOT NULL,
          password_hash text,
          oidc_issuer text,
          oidc_subject text,
          created_ms bigint NOT NULL
        )
        """
    )
    op.execute("CREATE UNIQUE INDEX accounts_email ON accounts (email)")
    op.execute("CREATE UNIQUE INDEX accounts_oidc ON accounts (oidc_issuer, oidc_subject) WHERE oidc_issuer IS NOT NULL")
    op.execute(
        """
        CREATE TABLE auth_sessions (
          token_hash bytea PRIMARY KEY,
          account_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
          created_ms bigint NOT NULL,
          expires_ms bigint NOT NULL
        )
        """
    )
    op.execute("CREATE INDEX auth_sessions_account ON auth_sessions (account_id)")
    op.execute(
        """
        CREATE TABLE api_keys (
          id text PRIMARY KEY,
          account_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
          name text NOT NULL,
          prefix text NOT NULL,
          secret_hash bytea NOT NULL,
          created_ms bigint NOT NULL,
          last_used_ms bigint
        )
        """
    )
    op.execute("CREATE UNIQUE INDEX api_keys_secret ON api_keys (secret_hash)")
    op.execute("CREATE INDEX api_keys_account ON api_keys (account_id)")


def downgrade() -> None:
    op.execute("DROP TABLE api_keys")
    op.execute("DROP TABLE auth_sessions")
    op.execute("DROP TABLE accounts")
