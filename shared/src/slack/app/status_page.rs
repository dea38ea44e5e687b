//! `/incident statuspage` and the channel's *Publish to the status page* button: a
//! preview modal first (public title, message, Statuspage status), built from the stored
//! incident alone so it opens within Slack's 3 seconds; its submission queues
//! `PublishStatus`, keyed by the view so a double submit publishes once.

use super::{Reject, Response, SlackApp, bad};
use crate::bus::ReplyTo;
use crate::config::Config;
use crate::domain::{
    Command, Incident, IncidentId, MAX_PUBLIC_TITLE, MAX_TEXT, Status, UserId, clip,
    from_public_word, public_word,
};
use serde_json::{Value, json};

pub const STATUSPAGE_CALLBACK: &str = "statuspage";
/// The button Flare posts under a status change of a published incident.
pub const STATUSPAGE_ACTION: &str = "statuspage";

/// Slack's limits: a modal's title (24 characters), a plain-text input's `max_length`
/// (3,000), `private_metadata` (3,000).
const MODAL_TITLE: &str = "Update the status page";
const INPUT_MAX: usize = 3000;
const METADATA_MAX: usize = 3000;
/// A context element's text.
const CONTEXT_MAX: usize = 2000;

const STAGES: [Status; 4] = [
    Status::Investigating,
    Status::Fixing,
    Status::Monitoring,
    Status::Resolved,
];

/// The title the form offers: the public title chosen before, else what may leave
/// Slack (a private incident's neutral title).
pub fn prefilled_title(config: &Config, incident: &Incident) -> String {
    clip(
        incident
            .public_title
            .as_deref()
            .unwrap_or_else(|| config.outside_title(incident)),
        MAX_PUBLIC_TITLE,
    )
}

/// A sentence for the public from the status and the affected services' names.
pub fn status_sentence(config: &Config, incident: &Incident) -> String {
    let names: Vec<&str> = incident
        .services
        .iter()
        .map(|s| config.service(s).map_or(s.as_str(), |s| s.name.as_str()))
        .collect();
    let services = match names.as_slice() {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    };
    let with = |s: &str| {
        if services.is_empty() {
            String::new()
        } else {
            format!("{s}{services}")
        }
    };
    match incident.status {
        Status::Triage | Status::Investigating => match services.is_empty() {
            true => "We are investigating reports of a problem.".into(),
            false => format!("We are investigating reports of issues with {services}."),
        },
        Status::Fixing => format!(
            "We have identified the cause of the issues{} and are working on a fix.",
            with(" with ")
        ),
        Status::Monitoring => format!(
            "A fix is in place{} and we are monitoring the results.",
            with(" for ")
        ),
        Status::Resolved | Status::Closed | Status::Declined => {
            "This incident has been resolved.".into()
        }
    }
}

/// The preview modal. `message` is what the form offers to say (already plain words).
pub fn statuspage_modal(
    config: &Config,
    incident: &Incident,
    message: &str,
    channel: Option<&str>,
) -> Value {
    let meta = json!({ "i": incident.id.as_str(), "c": channel }).to_string();
    let selected = public_word(incident.status);
    let option = |s: Status| {
        let word = public_word(s);
        json!({ "text": { "type": "plain_text", "text": word }, "value": word })
    };
    let options: Vec<Value> = STAGES.iter().map(|s| option(*s)).collect();
    let initial = STAGES
        .iter()
        .find(|s| public_word(**s) == selected)
        .map(|s| option(*s));
    let mut select = json!({ "type": "static_select", "action_id": "value", "options": options });
    if let Some(initial) = initial {
        select["initial_option"] = initial;
    }
    // What the affected components will show at each stage, from the configuration.
    let critical = config.severities.is_critical(&incident.severity);
    let components: Vec<&str> = config
        .statuspage
        .iter()
        .flat_map(|sp| {
            incident
                .services
                .iter()
                .filter(|s| sp.components.contains_key(*s))
        })
        .map(|s| config.service(s).map_or(s.as_str(), |s| s.name.as_str()))
        .collect();
    let mut notes = vec![format!(
        "Customers read this on the public status page. Nothing is published until you press Publish.{}",
        if incident.private {
            " This incident is private: its own title never goes there."
        } else {
            ""
        }
    )];
    if let Some(sp) = &config.statuspage
        && !components.is_empty()
    {
        let stages: Vec<String> = STAGES
            .iter()
            .map(|s| {
                format!(
                    "{} → {}",
                    public_word(*s),
                    sp.component_status.of(*s, critical)
                )
            })
            .collect();
        notes.push(format!(
            "Components: {} ({}).",
            components.join(", "),
            stages.join(", ")
        ));
    }
    let context: Vec<Value> = notes
        .iter()
        .map(|n| json!({ "type": "plain_text", "text": clip(n, CONTEXT_MAX) }))
        .collect();
    json!({
        "type": "modal",
        "callback_id": STATUSPAGE_CALLBACK,
        "private_metadata": clip(&meta, METADATA_MAX),
        "title": { "type": "plain_text", "text": MODAL_TITLE },
        "submit": { "type": "plain_text", "text": "Publish" },
        "close": { "type": "plain_text", "text": "Cancel" },
        "blocks": [
            { "type": "context", "elements": context },
            { "type": "input", "block_id": "title",
              "label": { "type": "plain_text", "text": "Public title" },
              "hint": { "type": "plain_text", "text": "What the status page calls this incident; later updates keep it." },
              "element": { "type": "plain_text_input", "action_id": "value",
                  "max_length": MAX_PUBLIC_TITLE.min(INPUT_MAX),
                  "initial_value": prefilled_title(config, incident) } },
            { "type": "input", "block_id": "message",
              "label": { "type": "plain_text", "text": "Public message" },
              "element": { "type": "plain_text_input", "action_id": "value", "multiline": true,
                  "max_length": MAX_TEXT.min(INPUT_MAX),
                  "initial_value": clip(message, MAX_TEXT.min(INPUT_MAX)) } },
            { "type": "input", "block_id": "status",
              "label": { "type": "plain_text", "text": "Status page status" },
              "element": select },
        ]
    })
}

/// What the submission says, or the errors to show in the modal by block.
fn read_submission(view: &Value) -> Result<(String, String, Status), Value> {
    let values = view
        .get("state")
        .and_then(|s| s.get("values"))
        .cloned()
        .unwrap_or(Value::Null);
    let text = |block: &str| {
        values[block]["value"]["value"]
            .as_str()
            .unwrap_or_default()
            .trim()
            .to_owned()
    };
    let (title, message) = (text("title"), text("message"));
    let status = values["status"]["value"]["selected_option"]["value"]
        .as_str()
        .and_then(from_public_word);
    let mut errors = serde_json::Map::new();
    if title.is_empty() {
        errors.insert(
            "title".into(),
            json!("Give the public title customers see."),
        );
    }
    if message.is_empty() {
        errors.insert("message".into(), json!("Write what customers should read."));
    }
    if status.is_none() {
        errors.insert("status".into(), json!("Pick the status page's status."));
    }
    match status {
        Some(status) if errors.is_empty() => Ok((title, message, status)),
        _ => Err(Value::Object(errors)),
    }
}

impl SlackApp {
    /// Opens the preview for the incident, or says why not (to the person alone).
    /// `message` is what they typed after `/incident statuspage`, if anything.
    pub(super) async fn open_statuspage(
        &self,
        trigger_id: &str,
        id: &IncidentId,
        channel: Option<&str>,
        message: &str,
    ) -> Result<Option<String>, Reject> {
        if self.config.statuspage.is_none() {
            return Ok(Some(
                "No status page is configured (`statuspage:` in the configuration).".into(),
            ));
        }
        let incident = self
            .store
            .load(id)
            .await
            .map_err(|e| Reject::Unavailable(e.to_string()))?;
        let Some(incident) = incident else {
            return Ok(Some("There is no such incident.".into()));
        };
        if incident.status.is_terminal() {
            return Ok(Some(
                "This incident is over; the status page isn't updated any more.".into(),
            ));
        }
        if incident.status == Status::Triage {
            return Ok(Some(
                "A triage report is not published; accept it first.".into(),
            ));
        }
        let message = if !message.trim().is_empty() {
            self.plain_words(message.trim()).await
        } else {
            match incident.latest_update.as_deref() {
                // A private incident's updates are its people's: offer the neutral
                // sentence instead.
                Some(update) if !incident.private => self.plain_words(update).await,
                _ => status_sentence(&self.config, &incident),
            }
        };
        self.open_modal(
            trigger_id,
            statuspage_modal(&self.config, &incident, &message, channel),
        )
        .await?;
        Ok(None)
    }

    /// *Publish to the status page* under a status change: the preview, for the
    /// incident's people. A private incident's button pressed by anyone else (a
    /// crafted payload) gets the very answer for a missing incident, and the denial is
    /// on its audit trail, as the worker would answer and keep it.
    pub(super) async fn statuspage_button(
        &self,
        trigger_id: &str,
        key: &str,
        id: &IncidentId,
        user: &UserId,
        channel: Option<&str>,
        response_url: Option<&str>,
    ) -> Result<Response, Reject> {
        let unavailable = |e: crate::store::StoreError| Reject::Unavailable(e.to_string());
        let incident = self.store.load(id).await.map_err(unavailable)?;
        let hidden = match &incident {
            None => true,
            Some(inc) if inc.private => !self.may_see_private(inc, user).await?,
            Some(_) => false,
        };
        let why = if hidden {
            let reason = crate::domain::DomainError::NotFound.to_string();
            if let Some(inc) = &incident {
                let entry = crate::domain::AuditEntry::new(
                    inc.id.clone(),
                    self.clock.now(),
                    key,
                    &Command::PublishStatus {
                        message: None,
                        title: None,
                        status: None,
                    },
                    &crate::domain::Actor::user(user.clone()),
                    "slack",
                    crate::domain::AuditOutcome::Denied {
                        reason: reason.clone(),
                    },
                );
                if let Err(e) = self.audit.record(&entry).await {
                    tracing::warn!(command = %key, error = %e, "could not record a denial");
                }
            }
            Some(format!(":no_entry: {reason}"))
        } else {
            self.open_statuspage(trigger_id, id, channel, "")
                .await?
                .map(|why| format!(":no_entry: {}", crate::slack::mrkdwn::escape(&why)))
        };
        if let (Some(why), Some(url)) = (why, response_url)
            && let Err(e) = self.api.respond(url, &why).await
        {
            tracing::warn!(error = %e, "could not say why the status page form did not open");
        }
        Ok(Response::empty())
    }

    /// Whether `user` is one of a private incident's people (reporter, role holder,
    /// channel member) or an incident manager.
    async fn may_see_private(&self, inc: &Incident, user: &UserId) -> Result<bool, Reject> {
        let channel = self
            .store
            .refs(&inc.id)
            .await
            .map_err(|e| Reject::Unavailable(e.to_string()))?
            .get("channel")
            .cloned();
        if self.can_see(inc, user, channel.as_deref()).await? {
            return Ok(true);
        }
        let Some(group) = self.config.access_policy().managers else {
            return Ok(false);
        };
        let directory = crate::slack::api::SlackDirectory {
            api: self.api.clone(),
        };
        crate::directory::Directory::in_group(&directory, &group, user)
            .await
            .map_err(Reject::Unavailable)
    }

    /// *Publish*: the command goes through the queue like every other; an empty field
    /// stays in the modal with its error.
    pub(super) async fn statuspage_submission(
        &self,
        view: &Value,
        user: &UserId,
    ) -> Result<Response, Reject> {
        let view_id = view
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("no view id"))?;
        let meta: Value = view
            .get("private_metadata")
            .and_then(Value::as_str)
            .and_then(|m| serde_json::from_str(m).ok())
            .unwrap_or_default();
        let Some(incident) = meta["i"].as_str().and_then(IncidentId::parse) else {
            return Ok(Response::empty());
        };
        let (title, message, status) = match read_submission(view) {
            Ok(v) => v,
            Err(errors) => {
                return Ok(Response::json(
                    &json!({ "response_action": "errors", "errors": errors }),
                ));
            }
        };
        let reply = ReplyTo {
            response_url: None,
            channel: meta["c"].as_str().map(str::to_owned),
            user: Some(user.to_string()),
        };
        let env = self.envelope(
            format!("view#{view_id}"),
            Some(incident),
            Command::PublishStatus {
                message: Some(message),
                title: Some(title),
                status: Some(status),
            },
            user,
            Some(reply),
        );
        self.enqueue(env).await?;
        Ok(Response::empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Actor, Declaration, Event, Recorded, Roles};

    fn incident(private: bool, title: &str) -> Incident {
        let d = Declaration {
            title: title.into(),
            severity: crate::domain::SeverityScale::default().parse("S1").unwrap(),
            impact: String::new(),
            description: String::new(),
            services: vec!["checkout".into()],
            customer: None,
            triage: false,
            private,
            page_oncall: false,
            roles: Roles::default(),
            impact_started_at: None,
            source_message: None,
            files: Vec::new(),
        };
        let rec = Recorded {
            incident_id: IncidentId::parse("20240122-calm-otter").unwrap(),
            version: 1,
            at: chrono::Utc::now(),
            actor: Actor::user(UserId::parse("U0ALICE").unwrap()),
            command_id: "c1".into(),
            event: Event::Declared(Box::new(d)),
        };
        Incident::from_declared(&rec).unwrap()
    }

    fn config() -> Config {
        Config::parse(
            "t.yaml",
            "services:\n  - { id: checkout, name: Checkout API, team: payments }\nstatuspage:\n  page_id: p\n  api_key_param: /k\n  components: { checkout: cmp1 }\n",
        )
        .unwrap()
    }

    fn input<'a>(view: &'a Value, block: &str) -> &'a Value {
        view["blocks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["block_id"] == block)
            .unwrap()
    }

    #[test]
    fn the_modal_keeps_to_slacks_limits() {
        let config = config();
        let long = "x".repeat(10_000);
        let mut inc = incident(false, &long);
        inc.public_title = Some("y".repeat(5_000));
        let view = statuspage_modal(&config, &inc, &long, Some(&"C".repeat(5_000)));
        assert!(view["title"]["text"].as_str().unwrap().chars().count() <= 24);
        assert!(view["private_metadata"].as_str().unwrap().chars().count() <= 3000);
        for block in ["title", "message"] {
            let el = &input(&view, block)["element"];
            let max = el["max_length"].as_u64().unwrap() as usize;
            assert!(max <= 3000, "{block}");
            assert!(
                el["initial_value"].as_str().unwrap().chars().count() <= max,
                "{block}"
            );
        }
        // The preselected status is one of the options.
        let select = &input(&view, "status")["element"];
        assert!(
            select["options"]
                .as_array()
                .unwrap()
                .contains(&select["initial_option"])
        );
    }

    #[test]
    fn the_modal_offers_the_public_title_never_a_private_incidents_own() {
        let config = config();
        let secret = incident(true, "Acme's database leaked");
        let view = statuspage_modal(&config, &secret, "m", None);
        let title = input(&view, "title")["element"]["initial_value"].clone();
        assert_eq!(title, "Private incident");
        assert!(!view.to_string().contains("Acme"));
        let mut public = incident(false, "Checkout errors");
        let view = statuspage_modal(&config, &public, "m", None);
        assert_eq!(
            input(&view, "title")["element"]["initial_value"],
            "Checkout errors"
        );
        public.public_title = Some("Payment delays".into());
        let view = statuspage_modal(&config, &public, "m", None);
        assert_eq!(
            input(&view, "title")["element"]["initial_value"],
            "Payment delays"
        );
    }

    #[test]
    fn the_status_is_preselected_and_the_sentence_names_the_services() {
        let config = config();
        let mut inc = incident(false, "t");
        assert_eq!(
            status_sentence(&config, &inc),
            "We are investigating reports of issues with Checkout API."
        );
        inc.status = Status::Fixing;
        let view = statuspage_modal(&config, &inc, "m", None);
        assert_eq!(
            input(&view, "status")["element"]["initial_option"]["value"],
            "identified"
        );
        inc.status = Status::Monitoring;
        assert!(status_sentence(&config, &inc).contains("for Checkout API"));
        // The preview says what the components will show.
        assert!(
            view.to_string()
                .contains("monitoring → degraded performance")
        );
    }

    #[test]
    fn an_empty_field_is_an_error_in_the_modal() {
        let view = json!({ "state": { "values": {
            "title": { "value": { "type": "plain_text_input", "value": "  " } },
            "message": { "value": { "type": "plain_text_input", "value": "hi" } },
            "status": { "value": { "type": "static_select", "selected_option": { "value": "identified" } } },
        } } });
        let errors = read_submission(&view).unwrap_err();
        assert!(errors.get("title").is_some());
        assert!(errors.get("message").is_none());
        let mut ok = view.clone();
        ok["state"]["values"]["title"]["value"]["value"] = json!("Payment delays");
        assert_eq!(
            read_submission(&ok).unwrap(),
            ("Payment delays".into(), "hi".into(), Status::Fixing)
        );
    }
}
