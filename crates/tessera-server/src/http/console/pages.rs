//! The console's page templates (askama, auto-escaped), one per page under `templates/console/`.

use askama::Template;
use tessera_core::usage::UsageReport;
use tessera_proto::admin::{
    AdminEventRepresentation, BruteForceStatusRepresentation, ClientRepresentation, ClientScopeRepresentation,
    EventRepresentation, GroupRepresentation, KeyMetadataRepresentation, ProtocolMapperRepresentation,
    RealmRepresentation, RoleRepresentation, UserRepresentation, UserSessionRepresentation,
};

use super::chart::Chart;
use super::mapping::RoleChoice;

/// What every signed-in page shows around its content.
pub struct Layout {
    pub username: String,
    pub csrf: String,
    /// The realm being administered, for the navigation.
    pub realm: Option<String>,
    /// Which navigation entry is current.
    pub section: &'static str,
}

#[derive(Template)]
#[template(path = "console/message.html")]
pub struct MessagePage<'a> {
    pub heading: &'a str,
    pub text: &'a str,
}

#[derive(Template)]
#[template(path = "console/realms.html")]
pub struct RealmsPage {
    pub layout: Layout,
    pub realms: Vec<RealmRepresentation>,
    pub may_create: bool,
}

#[derive(Template)]
#[template(path = "console/realm.html")]
pub struct RealmPage {
    pub layout: Layout,
    pub realm: RealmRepresentation,
    pub keys: Vec<KeyMetadataRepresentation>,
    pub notice: Option<String>,
}

#[derive(Template)]
#[template(path = "console/clients.html")]
pub struct ClientsPage {
    pub layout: Layout,
    pub clients: Vec<ClientRepresentation>,
    pub search: String,
}

/// A client, and — right after its creation or a new secret — the secret, shown this once.
#[derive(Template)]
#[template(path = "console/client.html")]
pub struct ClientPage {
    pub layout: Layout,
    pub client: ClientRepresentation,
    pub secret: Option<String>,
    /// The token endpoint, for the ready-to-paste curl.
    pub token_url: String,
    pub notice: Option<String>,
    /// The client's address in the console, for its forms.
    pub base: String,
    pub roles: Vec<RoleRepresentation>,
    /// The client's scopes, each with `default` or `optional`.
    pub linked_scopes: Vec<(String, &'static str)>,
    /// The realm's client scopes not linked to the client yet.
    pub unlinked_scopes: Vec<String>,
    pub mappers: Vec<ProtocolMapperRepresentation>,
    pub mapper_base: String,
    pub mapper_types: Vec<&'static str>,
}

/// A client scope and its protocol mappers.
#[derive(Template)]
#[template(path = "console/scope.html")]
pub struct ScopePage {
    pub layout: Layout,
    pub scope: ClientScopeRepresentation,
    pub mappers: Vec<ProtocolMapperRepresentation>,
    pub mapper_base: String,
    pub mapper_types: Vec<&'static str>,
}

/// A role and the roles it includes.
#[derive(Template)]
#[template(path = "console/role.html")]
pub struct RolePage {
    pub layout: Layout,
    pub role: RoleRepresentation,
    pub included: Vec<RoleChoice>,
    pub addable: Vec<RoleChoice>,
    pub base: String,
}

/// A group, its role mappings and its members.
#[derive(Template)]
#[template(path = "console/group.html")]
pub struct GroupPage {
    pub layout: Layout,
    pub group: GroupRepresentation,
    pub mapped: Vec<RoleChoice>,
    pub addable: Vec<RoleChoice>,
    pub members: Vec<Member>,
    pub base: String,
}

pub struct Member {
    pub id: String,
    pub username: String,
}

/// A user's roles and groups, with those that may be added.
pub struct UserAccess {
    pub roles: Vec<RoleChoice>,
    /// Every role held, through groups and composites too: realm roles, then client roles as `client/role`.
    pub effective: Vec<String>,
    pub addable_roles: Vec<RoleChoice>,
    pub groups: Vec<GroupRepresentation>,
    pub addable_groups: Vec<GroupRepresentation>,
}

/// Usage over a window: the chart, a row per client, the anomalies with their evidence.
#[derive(Template)]
#[template(path = "console/usage.html")]
pub struct UsagePage {
    pub layout: Layout,
    pub chart: Chart,
    pub report: UsageReport,
    pub anomalies: Vec<Anomaly>,
    /// The administrator may see usage but not the audit trail the anomalies are in.
    pub anomalies_hidden: bool,
    /// The one client shown, or empty for every client.
    pub client: String,
    pub window: String,
    pub windows: Vec<(&'static str, &'static str)>,
}

/// An `anomaly_detected` event: when, which client, and its evidence (the rule, then what it saw).
pub struct Anomaly {
    pub at: i64,
    pub client_id: String,
    pub evidence: Vec<String>,
    pub source: String,
}

#[derive(Template)]
#[template(path = "console/users.html")]
pub struct UsersPage {
    pub layout: Layout,
    pub users: Vec<UserRepresentation>,
    pub search: String,
}

#[derive(Template)]
#[template(path = "console/user.html")]
pub struct UserPage {
    pub layout: Layout,
    pub user: UserRepresentation,
    pub sessions: Vec<UserSessionRepresentation>,
    pub lockout: BruteForceStatusRepresentation,
    pub access: UserAccess,
    pub notice: Option<String>,
    /// The user's address in the console, for its forms.
    pub base: String,
}

#[derive(Template)]
#[template(path = "console/events.html")]
pub struct EventsPage {
    pub layout: Layout,
    pub events: Vec<EventRepresentation>,
    pub admin_events: Vec<AdminEventRepresentation>,
    pub filter: EventFilter,
    /// Links to the previous and next pages, with the filter kept.
    pub previous: Option<String>,
    pub next: Option<String>,
}

#[derive(Template)]
#[template(path = "console/access.html")]
pub struct AccessPage {
    pub layout: Layout,
    pub roles: Vec<RoleRepresentation>,
    pub groups: Vec<GroupRow>,
    pub scopes: Vec<ClientScopeRepresentation>,
}

/// A group and the usernames of (the first of) its members.
pub struct GroupRow {
    pub group: GroupRepresentation,
    pub members: Vec<String>,
}

/// The events page's filter, as the form sends it.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct EventFilter {
    #[serde(default, rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub client: String,
    #[serde(default)]
    pub user: String,
    #[serde(default)]
    pub operation: String,
    #[serde(default)]
    pub page: usize,
}

/// A time in milliseconds, however many references a template hands it through.
pub trait Millis {
    fn millis(&self) -> i64;
}

impl Millis for i64 {
    fn millis(&self) -> i64 {
        *self
    }
}

impl<T: Millis + ?Sized> Millis for &T {
    fn millis(&self) -> i64 {
        (**self).millis()
    }
}

/// A time in seconds since the epoch, as UTC text.
pub fn at(seconds: &i64) -> String {
    when(seconds.saturating_mul(1000))
}

/// A time in milliseconds since the epoch, as UTC text for a table.
pub fn when(millis: impl Millis) -> String {
    let millis = millis.millis();
    let seconds = millis.div_euclid(1000);
    match cookie::time::OffsetDateTime::from_unix_timestamp(seconds) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        ),
        Err(_) => millis.to_string(),
    }
}
