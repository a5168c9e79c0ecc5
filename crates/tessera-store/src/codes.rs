//! The authorization-code port: a redemption is one statement, so a code is redeemed once (RFC 6749 §4.1.2).

use async_trait::async_trait;
use sqlx::Row;
use tessera_core::model::{AuthorizationCode, CodeIssue, CodeRedemption};
use tessera_core::ports::{AuthorizationCodeStore, StoreError};

use crate::error::map_err;
use crate::rows::code_from_row;
use crate::{SqlStore, sql};

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
            .bind(c.scope.to_string())
            .bind(c.nonce.clone())
            .bind(c.code_challenge.clone())
            .bind(c.auth_time)
            .bind(c.created_at)
            .bind(c.expires_at)
            .bind(c.resources.to_stored())
            .bind(c.dpop_jkt.clone())
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn redeem_code(
        &self,
        realm_id: &str,
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
            .bind(realm_id.to_owned())
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        if let Some(row) = redeemed {
            return Ok(CodeRedemption::Redeemed(code_from_row(&row)?));
        }
        let earlier = sqlx::query(sql::SELECT_REDEEMED_CODE)
            .bind(code_hash.to_owned())
            .bind(client_id.to_owned())
            .bind(realm_id.to_owned())
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        let Some(row) = earlier else {
            return Ok(CodeRedemption::Unknown);
        };
        let get_str = |c: &str| row.try_get::<Option<String>, _>(c).map_err(map_err);
        Ok(CodeRedemption::Replayed(CodeIssue {
            access_jti: get_str("access_jti")?.unwrap_or_default(),
            access_exp: row.try_get::<Option<i64>, _>("access_exp").map_err(map_err)?.unwrap_or(0),
            family_id: get_str("family_id")?.unwrap_or_default(),
        }))
    }
}
