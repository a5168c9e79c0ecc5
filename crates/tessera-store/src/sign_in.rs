//! The sign-in ports: codes, refresh tokens, SSO sessions, consent and lockout counters. Each use case is
//! one statement or one transaction (ARCHITECTURE.md), so that a redemption or a rotation happens once.

use async_trait::async_trait;
use tessera_core::model::{AuthorizationCode, CodeIssue, CodeRedemption, LoginFailures, RefreshToken, SsoSession};
use tessera_core::ports::{
    AuthorizationCodeStore, IssuedAccessToken, LoginFailureStore, RefreshTokenStore, SessionStore, StoreError,
};

use crate::rows::{access_token_from_row, code_from_row, login_failures_from_row, refresh_from_row, session_from_row};
use crate::{SqlStore, flag, map_err, sql};

#[async_trait]
impl AuthorizationCodeStore for SqlStore {
    async fn insert_code(&self, c: &AuthorizationCode) -> Result<(), StoreError> {
        sqlx::query(sql::INSERT_CODE)
            .bind(c.code_hash.clone())
            .bind(c.realm_id.clone())
            .bind(c.client_id.clone())
            .bind(c.user_id.clone())
            .bind(c.session_id.clone())
            .bind(c.redirect_uri.clone())
            .bind(c.scope.clone())
            .bind(c.nonce.clone())
            .bind(c.code_challenge.clone())
            .bind(c.auth_time)
            .bind(c.created_at)
            .bind(c.expires_at)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn redeem_code(
        &self,
        code_hash: &str,
        client_id: &str,
        now: i64,
        issue: &CodeIssue,
    ) -> Result<CodeRedemption, StoreError> {
        let redeemed = sqlx::query(sql::REDEEM_CODE)
            .bind(code_hash.to_owned())
            .bind(client_id.to_owned())
            .bind(now)
            .bind(issue.access_jti.clone())
            .bind(issue.access_exp)
            .bind(issue.family_id.clone())
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        if let Some(row) = redeemed {
            return Ok(CodeRedemption::Redeemed(code_from_row(&row)?));
        }
        let earlier = sqlx::query(sql::SELECT_REDEEMED_CODE)
            .bind(code_hash.to_owned())
            .bind(client_id.to_owned())
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        let Some(row) = earlier else {
            return Ok(CodeRedemption::Unknown);
        };
        use sqlx::Row;
        let get_str = |c: &str| row.try_get::<Option<String>, _>(c).map_err(map_err);
        Ok(CodeRedemption::Replayed(CodeIssue {
            access_jti: get_str("access_jti")?.unwrap_or_default(),
            access_exp: row.try_get::<Option<i64>, _>("access_exp").map_err(map_err)?.unwrap_or(0),
            family_id: get_str("family_id")?.unwrap_or_default(),
        }))
    }
}

fn bind_refresh<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    t: &RefreshToken,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    q.bind(t.token_hash.clone())
        .bind(t.family_id.clone())
        .bind(t.realm_id.clone())
        .bind(t.client_id.clone())
        .bind(t.user_id.clone())
        .bind(t.session_id.clone())
        .bind(t.scope.clone())
        .bind(t.auth_time)
        .bind(flag(t.offline))
        .bind(t.issued_at)
        .bind(t.expires_at)
        .bind(t.access_jti.clone())
        .bind(t.access_exp)
        .bind(t.rotated_at)
        .bind(t.revoked_at)
        .bind(t.successor.clone())
}

impl SqlStore {
    /// Marks rows revoked and lists the access tokens issued with them, in one transaction.
    async fn revoke_refresh_where(
        &self,
        revoke: &'static str,
        list: &'static str,
        key: &str,
        now: i64,
    ) -> Result<Vec<IssuedAccessToken>, StoreError> {
        let mut tx = self.begin().await?;
        sqlx::query(revoke).bind(key.to_owned()).bind(now).execute(&mut *tx).await.map_err(map_err)?;
        let rows = sqlx::query(list).bind(key.to_owned()).bind(now).fetch_all(&mut *tx).await.map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        rows.iter().map(access_token_from_row).collect()
    }
}

#[async_trait]
impl RefreshTokenStore for SqlStore {
    async fn insert_refresh_token(&self, token: &RefreshToken) -> Result<(), StoreError> {
        bind_refresh(sqlx::query(sql::INSERT_REFRESH), token).execute(&self.pool).await.map_err(map_err)?;
        Ok(())
    }

    async fn find_refresh_token(&self, token_hash: &str) -> Result<Option<RefreshToken>, StoreError> {
        let row = sqlx::query(sql::SELECT_REFRESH)
            .bind(token_hash.to_owned())
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        row.as_ref().map(refresh_from_row).transpose()
    }

    async fn rotate_refresh_token(
        &self,
        old_hash: &str,
        successor: &str,
        new: &RefreshToken,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(sql::ROTATE_REFRESH)
            .bind(old_hash.to_owned())
            .bind(now)
            .bind(successor.to_owned())
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        if done.rows_affected() != 1 {
            tx.rollback().await.map_err(map_err)?;
            return Ok(false);
        }
        bind_refresh(sqlx::query(sql::INSERT_REFRESH), new).execute(&mut *tx).await.map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }

    async fn revoke_refresh_family(&self, family_id: &str, now: i64) -> Result<Vec<IssuedAccessToken>, StoreError> {
        self.revoke_refresh_where(sql::REVOKE_FAMILY, sql::FAMILY_ACCESS_TOKENS, family_id, now).await
    }

    async fn revoke_session_refresh_tokens(
        &self,
        session_id: &str,
        now: i64,
    ) -> Result<Vec<IssuedAccessToken>, StoreError> {
        self.revoke_refresh_where(sql::REVOKE_SESSION_REFRESH, sql::SESSION_ACCESS_TOKENS, session_id, now).await
    }
}

#[async_trait]
impl SessionStore for SqlStore {
    async fn create_session(&self, s: &SsoSession) -> Result<(), StoreError> {
        sqlx::query(sql::INSERT_SESSION)
            .bind(s.id.clone())
            .bind(s.cookie_hash.clone())
            .bind(s.realm_id.clone())
            .bind(s.user_id.clone())
            .bind(s.auth_time)
            .bind(s.last_seen_at)
            .bind(s.ended_at)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn find_session_by_cookie(
        &self,
        realm_id: &str,
        cookie_hash: &str,
    ) -> Result<Option<SsoSession>, StoreError> {
        let row = sqlx::query(sql::SELECT_SESSION_BY_COOKIE)
            .bind(realm_id.to_owned())
            .bind(cookie_hash.to_owned())
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        row.as_ref().map(session_from_row).transpose()
    }

    async fn find_session(&self, realm_id: &str, id: &str) -> Result<Option<SsoSession>, StoreError> {
        let row = sqlx::query(sql::SELECT_SESSION)
            .bind(realm_id.to_owned())
            .bind(id.to_owned())
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        row.as_ref().map(session_from_row).transpose()
    }

    async fn touch_session(&self, id: &str, now: i64) -> Result<(), StoreError> {
        sqlx::query(sql::TOUCH_SESSION).bind(id.to_owned()).bind(now).execute(&self.pool).await.map_err(map_err)?;
        Ok(())
    }

    async fn end_session(&self, id: &str, now: i64) -> Result<bool, StoreError> {
        let done =
            sqlx::query(sql::END_SESSION).bind(id.to_owned()).bind(now).execute(&self.pool).await.map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn find_consent(
        &self,
        realm_id: &str,
        user_id: &str,
        client_id: &str,
    ) -> Result<Option<Vec<String>>, StoreError> {
        use sqlx::Row;
        let row = sqlx::query(sql::SELECT_CONSENT)
            .bind(realm_id.to_owned())
            .bind(user_id.to_owned())
            .bind(client_id.to_owned())
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        let Some(row) = row else {
            return Ok(None);
        };
        let scopes: String = row.try_get("scopes").map_err(map_err)?;
        Ok(Some(scopes.split(' ').filter(|s| !s.is_empty()).map(str::to_owned).collect()))
    }

    async fn grant_consent(
        &self,
        realm_id: &str,
        user_id: &str,
        client_id: &str,
        scopes: &[String],
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(sql::UPSERT_CONSENT)
            .bind(realm_id.to_owned())
            .bind(user_id.to_owned())
            .bind(client_id.to_owned())
            .bind(scopes.join(" "))
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }
}

#[async_trait]
impl LoginFailureStore for SqlStore {
    async fn record_login_failure(
        &self,
        realm_id: &str,
        key: &str,
        now: i64,
        window: i64,
    ) -> Result<LoginFailures, StoreError> {
        let row = sqlx::query(sql::RECORD_LOGIN_FAILURE)
            .bind(realm_id.to_owned())
            .bind(key.to_owned())
            .bind(now)
            .bind(now - window)
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)?;
        login_failures_from_row(&row)
    }

    async fn login_failures(&self, realm_id: &str, key: &str) -> Result<Option<LoginFailures>, StoreError> {
        let row = sqlx::query(sql::SELECT_LOGIN_FAILURES)
            .bind(realm_id.to_owned())
            .bind(key.to_owned())
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        row.as_ref().map(login_failures_from_row).transpose()
    }

    async fn clear_login_failures(&self, realm_id: &str, key: &str) -> Result<(), StoreError> {
        sqlx::query(sql::CLEAR_LOGIN_FAILURES)
            .bind(realm_id.to_owned())
            .bind(key.to_owned())
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }
}
