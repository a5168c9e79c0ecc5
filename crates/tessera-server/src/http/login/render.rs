//! Turns a sign-in [`Step`] into a response, and THE one mapping of sign-in errors to error pages.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use tessera_core::ports::StoreError;
use tessera_core::sign_in::{SignInError, Step, View};

use super::cookies::set_cookie;
use super::pages::{
    ConsentPage, DeviceCodePage, DeviceConsentPage, FORM_POST_SCRIPT, FormPostPage, LoginPage, LogoutPage, MessagePage,
    UpdatePasswordPage, redirect, render, render_form_post,
};
use crate::http::error::RETRY_AFTER_SECONDS;
use crate::routes::Endpoint;

pub fn render_step(step: Step, realm: &str, secure: bool) -> Response {
    let cookies: Vec<String> = step.cookies.iter().map(|c| set_cookie(c, realm, secure)).collect();
    let realm_name = step.realm_name.as_str();
    let action = |endpoint: Endpoint| endpoint.route().replace("{realm}", realm);
    match step.view {
        View::Login(form) => {
            let action = action(Endpoint::LoginAuthenticate);
            let page = LoginPage {
                realm_name,
                client_name: &form.client_name,
                action: &action,
                pending: &form.pending,
                csrf: &form.csrf,
                username: &form.username,
                error: form.error.as_deref(),
            };
            render(StatusCode::OK, &page, &cookies)
        }
        View::UpdatePassword(form) => {
            let action = action(Endpoint::LoginRequiredAction);
            let page = UpdatePasswordPage {
                realm_name,
                client_name: &form.client_name,
                username: &form.username,
                action: &action,
                pending: &form.pending,
                csrf: &form.csrf,
                error: form.error.as_deref(),
            };
            render(StatusCode::OK, &page, &cookies)
        }
        View::Consent(form) => {
            let action = action(Endpoint::LoginConsent);
            let page = ConsentPage {
                realm_name,
                client_name: &form.client_name,
                username: &form.username,
                scopes: form.scopes,
                action: &action,
                pending: &form.pending,
                csrf: &form.csrf,
            };
            render(StatusCode::OK, &page, &cookies)
        }
        View::Redirect(location) => redirect(&location, &cookies),
        View::FormPost(form) => {
            let page =
                FormPostPage { realm_name, action: &form.action, fields: &form.fields, script: FORM_POST_SCRIPT };
            render_form_post(&page, &cookies)
        }
        View::ConfirmLogout(form) => {
            let action = action(Endpoint::Logout);
            let page = LogoutPage {
                realm_name,
                action: &action,
                csrf: &form.csrf,
                id_token_hint: form.id_token_hint.as_deref(),
                client_id: form.client_id.as_deref(),
                post_logout_redirect_uri: form.post_logout_redirect_uri.as_deref(),
                state: form.state.as_deref(),
            };
            render(StatusCode::OK, &page, &cookies)
        }
        View::SignedOut => {
            let page = MessagePage {
                realm_name,
                heading: "You are signed out",
                message: "You have been signed out. You can close this window.",
                is_error: false,
                back: None,
            };
            render(StatusCode::OK, &page, &cookies)
        }
        View::DeviceCode(form) => {
            let action = action(Endpoint::DeviceVerification);
            let page = DeviceCodePage {
                realm_name,
                action: &action,
                csrf: &form.csrf,
                user_code: &form.user_code,
                error: form.error.as_deref(),
            };
            render(StatusCode::OK, &page, &cookies)
        }
        View::DeviceLogin(form) => {
            let action = action(Endpoint::DeviceLogin);
            let page = LoginPage {
                realm_name,
                client_name: &form.client_name,
                action: &action,
                pending: &form.pending,
                csrf: &form.csrf,
                username: &form.username,
                error: form.error.as_deref(),
            };
            render(StatusCode::OK, &page, &cookies)
        }
        View::DeviceConsent(form) => {
            let action = action(Endpoint::DeviceConsent);
            let page = DeviceConsentPage {
                realm_name,
                client_name: &form.client_name,
                username: &form.username,
                user_code: &form.user_code,
                scopes: form.scopes,
                action: &action,
                pending: &form.pending,
                csrf: &form.csrf,
            };
            render(StatusCode::OK, &page, &cookies)
        }
        View::DeviceDone { approved } => {
            let (heading, message) = if approved {
                ("Device connected", "Your device is now signed in. You can close this window and return to it.")
            } else {
                ("Device denied", "The device was not allowed to sign in. You can close this window.")
            };
            let page = MessagePage { realm_name, heading, message, is_error: false, back: None };
            render(StatusCode::OK, &page, &cookies)
        }
        View::Error(e) => error_page(realm_name, &e),
    }
}

/// The status and words of each sign-in error. Internal detail goes to the log, never onto the page.
pub fn error_page(realm_name: &str, error: &SignInError) -> Response {
    let (status, message) = match error {
        SignInError::BadRequest(words) => (StatusCode::BAD_REQUEST, words.as_ref()),
        SignInError::Forgery => (
            StatusCode::FORBIDDEN,
            "The form could not be verified (its security token is missing or wrong). Reload the application and try again.",
        ),
        SignInError::UnknownRealm => (StatusCode::NOT_FOUND, "This sign-in address is not known."),
        SignInError::RateLimited(refusal) => {
            let page = MessagePage {
                realm_name,
                heading: "We can't sign you in",
                message: "Too many requests came from here. Wait a moment, then try again.",
                is_error: true,
                back: None,
            };
            let mut response = render(StatusCode::TOO_MANY_REQUESTS, &page, &[]);
            // RFC 9110 §10.2.3, rounded up.
            let seconds = (refusal.retry_after_ms.max(1) + 999) / 1000;
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            return response;
        }
        SignInError::Busy => {
            (StatusCode::SERVICE_UNAVAILABLE, "Many people are signing in right now. Try again in a moment.")
        }
        SignInError::Store(StoreError::Unavailable(_)) => {
            tracing::error!(error = %error, "sign-in failed: storage unavailable");
            (StatusCode::SERVICE_UNAVAILABLE, "The service is temporarily unavailable. Try again in a moment.")
        }
        SignInError::Store(_) | SignInError::Internal(_) => {
            tracing::error!(error = %error, "sign-in failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong on our side. Try again later.")
        }
    };
    let page = MessagePage { realm_name, heading: "We can't sign you in", message, is_error: true, back: None };
    let mut response = render(status, &page, &[]);
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static(RETRY_AFTER_SECONDS));
    }
    response
}
