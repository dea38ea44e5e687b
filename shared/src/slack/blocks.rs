//! Block Kit: the declare modal, the incident card and the announcement. Every piece
//! of outside text goes through `mrkdwn::escape` (or is plain_text, which Slack never
//! formats).

use super::mrkdwn::escape;
use crate::config::Config;
use crate::domain::{CapturedMessage, Incident, Status, clip};
use serde_json::{Value, json};

pub const DECLARE_CALLBACK: &str = "declare";
pub const EDIT_CALLBACK: &str = "edit";
/// The select under a paging failure that adds an affected service (and pages it).
pub const ADD_SERVICE_ACTION: &str = "add_service";

/// `text`, and a select of the configured services the incident doesn't list yet, each
/// option's value `<incident>|<service>`. `None` when there is nothing to pick.
pub fn pick_service(config: &Config, incident: &Incident, text: &str) -> Option<Value> {
    // Slack: at most 100 options, each text at most 75 characters.
    let options: Vec<Value> = config
        .services
        .iter()
        .filter(|s| !incident.services.contains(&s.id))
        .take(100)
        .map(|s| {
            json!({ "text": { "type": "plain_text", "text": crate::domain::clip(&s.name, 75) },
                    "value": format!("{}|{}", incident.id, s.id) })
        })
        .collect();
    if options.is_empty() {
        return None;
    }
    Some(json!([
        { "type": "section", "text": { "type": "mrkdwn", "text": crate::domain::clip(text, 3000) } },
        { "type": "actions", "elements": [{ "type": "static_select", "action_id": ADD_SERVICE_ACTION,
            "placeholder": { "type": "plain_text", "text": "Add the affected service" },
            "options": options }] },
    ]))
}

/// The reminder's "Edit and post" button, and the modal it opens.
pub const EDIT_UPDATE_ACTION: &str = "edit_update";
pub const UPDATE_CALLBACK: &str = "post_update";
/// The customer option that means "no customer" (an option's value can't be empty).
pub const NO_CUSTOMER: &str = "none";

fn plain(text: &str) -> Value {
    json!({ "type": "plain_text", "text": text, "emoji": true })
}

fn md(text: &str) -> Value {
    json!({ "type": "mrkdwn", "text": clip(text, 3000) })
}

fn option(text: &str, value: &str, description: Option<&str>) -> Value {
    let mut o = json!({ "text": plain(&clip(text, 75)), "value": value });
    if let Some(d) = description {
        o["description"] = plain(&clip(d, 75));
    }
    o
}

fn input(block_id: &str, label: &str, optional: bool, element: Value) -> Value {
    json!({ "type": "input", "block_id": block_id, "optional": optional, "label": plain(label), "element": element })
}

/// What the modal was opened from, carried through `private_metadata`.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ModalOrigin {
    #[serde(default)]
    pub channel: Option<String>,
    #[serde(default)]
    pub source_message: Option<CapturedMessage>,
}

/// The declare modal; `title`/`description` prefilled from a message shortcut.
pub fn declare_modal(
    config: &Config,
    title: &str,
    description: &str,
    origin: &ModalOrigin,
) -> Value {
    let severities: Vec<Value> = config
        .severities
        .levels()
        .iter()
        .map(|l| {
            option(
                &format!("{} · {}", l.id, l.label),
                &l.id,
                Some(&l.description),
            )
        })
        .collect();
    let mut title_el = json!({ "type": "plain_text_input", "action_id": "value", "max_length": 150,
        "placeholder": plain("What is broken, in a few words") });
    if !title.is_empty() {
        title_el["initial_value"] = json!(clip(title, 150));
    }
    let mut desc_el = json!({ "type": "plain_text_input", "action_id": "value", "multiline": true, "max_length": 3000 });
    if !description.is_empty() {
        desc_el["initial_value"] = json!(clip(description, 3000));
    }
    let mut blocks = vec![
        input("title", "Title", false, title_el),
        input(
            "severity",
            "Severity",
            false,
            json!({ "type": "static_select", "action_id": "value",
            "options": severities, "placeholder": plain("How bad is it for customers?") }),
        ),
        input(
            "impact",
            "Customer impact",
            true,
            json!({ "type": "plain_text_input", "action_id": "value",
            "multiline": true, "max_length": 3000, "placeholder": plain("Who is affected and how") }),
        ),
        input("description", "Description", true, desc_el),
    ];
    if !config.services.is_empty() {
        let services: Vec<Value> = config
            .services
            .iter()
            .take(100)
            .map(|s| option(&s.name, &s.id, Some(&format!("owned by {}", s.team))))
            .collect();
        blocks.push(input(
            "services",
            "Affected services",
            true,
            json!({ "type": "multi_static_select", "action_id": "value", "options": services }),
        ));
    }
    if !config.customers.is_empty() {
        let customers: Vec<Value> = config
            .customers
            .iter()
            .take(100)
            .map(|c| option(&c.name, &c.id, None))
            .collect();
        blocks.push(input(
            "customer",
            "Customer",
            true,
            json!({ "type": "static_select", "action_id": "value", "options": customers }),
        ));
    }
    blocks.push(input(
        "coordinator",
        "Coordinator",
        true,
        json!({ "type": "users_select", "action_id": "value" }),
    ));
    blocks.push(input("options", "Options", true, json!({ "type": "checkboxes", "action_id": "value", "options": [
        option("Page on-call now", "page", Some("Critical severities page on-call anyway")),
        option("Private incident", "private", Some("Private channel; the announcement shows no details")),
    ]})));
    json!({
        "type": "modal",
        "callback_id": DECLARE_CALLBACK,
        "title": plain("Declare an incident"),
        "submit": plain("Declare"),
        "close": plain("Cancel"),
        "private_metadata": metadata(origin),
        "blocks": blocks,
    })
}

/// `/incident edit`: the declaration's details as they are now; the incident's id
/// travels in `private_metadata`. Severity, status and roles have commands of their own.
pub fn edit_modal(config: &Config, incident: &Incident) -> Value {
    let text_input = |value: &str, max: usize, multiline: bool| {
        let mut el = json!({ "type": "plain_text_input", "action_id": "value", "max_length": max, "multiline": multiline });
        if !value.is_empty() {
            el["initial_value"] = json!(clip(value, max));
        }
        el
    };
    let mut blocks = vec![
        input(
            "title",
            "Title",
            false,
            text_input(&incident.title, 150, false),
        ),
        input(
            "impact",
            "Customer impact",
            true,
            text_input(&incident.impact, 3000, true),
        ),
        input(
            "description",
            "Description",
            true,
            text_input(&incident.description, 3000, true),
        ),
    ];
    if !config.services.is_empty() {
        let option_of = |s: &crate::config::Service| {
            option(&s.name, &s.id, Some(&format!("owned by {}", s.team)))
        };
        let services: Vec<Value> = config.services.iter().take(100).map(option_of).collect();
        let mut el =
            json!({ "type": "multi_static_select", "action_id": "value", "options": services });
        let chosen: Vec<Value> = config
            .services
            .iter()
            .take(100)
            .filter(|s| incident.services.contains(&s.id))
            .map(option_of)
            .collect();
        if !chosen.is_empty() {
            el["initial_options"] = json!(chosen);
        }
        blocks.push(input("services", "Affected services", true, el));
    }
    if !config.customers.is_empty() {
        let mut customers = vec![option("No customer", NO_CUSTOMER, None)];
        customers.extend(
            config
                .customers
                .iter()
                .take(99)
                .map(|c| option(&c.name, &c.id, None)),
        );
        let mut el = json!({ "type": "static_select", "action_id": "value", "options": customers });
        if let Some(c) = incident
            .customer
            .as_deref()
            .and_then(|c| config.customer(c))
        {
            el["initial_option"] = option(&c.name, &c.id, None);
        }
        blocks.push(input("customer", "Customer", true, el));
    }
    json!({
        "type": "modal",
        "callback_id": EDIT_CALLBACK,
        "title": plain("Edit the incident"),
        "submit": plain("Save"),
        "close": plain("Cancel"),
        "private_metadata": incident.id.as_str(),
        "blocks": blocks,
    })
}

/// Slack caps `private_metadata` at 3000 characters: a long source message is cut
/// until the JSON fits.
fn metadata(origin: &ModalOrigin) -> String {
    let mut origin = origin.clone();
    loop {
        let json = serde_json::to_string(&origin).unwrap_or_default();
        if json.chars().count() <= 3000 {
            return json;
        }
        // Every turn makes it shorter: halve the text (`clip` to 1 char gives "…" again),
        // then drop the message, then the channel (no real channel id is that long).
        match &mut origin.source_message {
            Some(m) if m.text.chars().count() > 1 => {
                let keep = m.text.chars().count() / 2;
                m.text = clip(&m.text, keep);
            }
            Some(_) => origin.source_message = None,
            None => origin.channel = None,
        }
    }
}

fn severity_text(config: &Config, incident: &Incident) -> String {
    match config.severities.level(&incident.severity) {
        Some(l) => format!("{} · {}", l.id, l.label),
        None => incident.severity.to_string(),
    }
}

fn person(user: Option<&crate::domain::UserId>) -> String {
    user.map_or_else(|| "_unassigned_".to_owned(), |u| format!("<@{u}>"))
}

/// One line for topics: severity · status · coordinator (≤250 as Slack counts, after
/// escaping; the coordinator stays a live mention).
pub fn topic(config: &Config, incident: &Incident) -> String {
    let coordinator = incident.roles.coordinator.as_ref().map_or_else(
        || "no coordinator".to_owned(),
        |u| format!("coordinator <@{u}>"),
    );
    let call = config
        .call_link(incident)
        .map(|u| format!(" · call {}", escape(&u)))
        .unwrap_or_default();
    super::mrkdwn::cut(
        &super::mrkdwn::flat(&format!(
            "{} · {} · {}{call}",
            escape(&severity_text(config, incident)),
            incident.status,
            coordinator
        )),
        TOPIC_MAX,
        "…",
    )
}

/// Slack's limit on a channel topic or purpose.
pub const TOPIC_MAX: usize = 250;

/// The card pinned in the incident channel, kept up to date in place.
pub fn card(config: &Config, incident: &Incident) -> (String, Value) {
    // Slack caps header text at 150 characters, the emoji code included.
    let title = format!(":rotating_light: {}", clip(&incident.title, 130));
    let ops = if incident.roles.operations.is_empty() {
        "_none yet_".to_owned()
    } else {
        incident
            .roles
            .operations
            .iter()
            .map(|u| format!("<@{u}>"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut fields = vec![
        md(&format!("*Severity*\n{}", severity_text(config, incident))),
        md(&format!(
            "*Status*\n{} {}",
            incident.status.emoji(),
            incident.status
        )),
        md(&format!(
            "*Coordinator*\n{}",
            person(incident.roles.coordinator.as_ref())
        )),
        md(&format!("*Operations*\n{ops}")),
    ];
    if let Some(c) = &incident.roles.communications {
        fields.push(md(&format!("*Communications*\n<@{c}>")));
    }
    if !incident.services.is_empty() {
        let names: Vec<String> = incident
            .services
            .iter()
            .map(|s| escape(config.service(s).map_or(s.as_str(), |x| x.name.as_str())))
            .collect();
        fields.push(md(&format!("*Services*\n{}", names.join(", "))));
    }
    let mut blocks = vec![
        json!({ "type": "header", "text": plain(&title) }),
        json!({ "type": "section", "fields": fields }),
    ];
    if !incident.impact.is_empty() {
        blocks.push(json!({ "type": "section", "text": md(&format!("*Customer impact*\n{}", escape(&incident.impact))) }));
    }
    if let Some(customer) = incident
        .customer
        .as_deref()
        .and_then(|c| config.customer(c))
    {
        let contacts: Vec<String> = customer
            .contacts
            .iter()
            .map(|c| {
                let mut line = escape(&c.name);
                if let Some(r) = &c.role {
                    line.push_str(&format!(" ({})", escape(r)));
                }
                if let Some(e) = &c.email {
                    line.push_str(&format!(" · {}", escape(e)));
                }
                if let Some(p) = &c.phone {
                    line.push_str(&format!(" · {}", escape(p)));
                }
                line
            })
            .collect();
        blocks.push(json!({ "type": "section", "text": md(&format!("*Customer*: {}\n{}", escape(&customer.name), contacts.join("\n"))) }));
    }
    if let Some(call) = config.call_link(incident) {
        blocks.push(json!({ "type": "section", "text": md(&format!("*Call*: <{}|Join the call>", escape(&call))) }));
    }
    if !incident.pages.is_empty() {
        let lines: Vec<String> = incident.pages.iter().map(page_line).collect();
        blocks.push(
            json!({ "type": "section", "text": md(&format!("*Paged*\n{}", lines.join("\n"))) }),
        );
    }
    if !incident.links.is_empty() {
        let links: Vec<String> = incident
            .links
            .iter()
            .map(|(label, url)| format!("<{}|{}>", escape(url), escape(label)))
            .collect();
        blocks.push(
            json!({ "type": "section", "text": md(&format!("*Links*: {}", links.join(" · "))) }),
        );
    }
    let mut buttons = Vec::new();
    let id = incident.id.as_str();
    if incident.status == Status::Triage {
        buttons.push(json!({ "type": "button", "action_id": "decline", "value": id, "style": "danger", "text": plain("Decline") }));
        buttons.push(json!({ "type": "button", "action_id": "merge", "value": id, "text": plain("Merge into…") }));
        for l in config.severities.levels() {
            buttons.push(
                json!({ "type": "button", "action_id": format!("accept:{}", l.id), "value": id,
                "text": plain(&format!("Accept as {}", l.id)) }),
            );
        }
    } else if incident.acknowledged_at.is_none() || incident.open_pages().next().is_some() {
        buttons.push(json!({ "type": "button", "action_id": "ack", "value": id, "style": "primary", "text": plain("Acknowledge") }));
    }
    if incident.status.is_active() && incident.roles.coordinator.is_none() {
        buttons.push(json!({ "type": "button", "action_id": "claim:coordinator", "value": id, "text": plain("I'll coordinate") }));
    }
    if incident.status.is_active() && incident.roles.communications.is_none() {
        buttons.push(json!({ "type": "button", "action_id": "claim:communications", "value": id, "text": plain("I'll do comms") }));
    }
    if !buttons.is_empty() {
        blocks.push(json!({ "type": "actions", "block_id": "card", "elements": buttons }));
    }
    blocks.push(json!({ "type": "context", "elements": [md(&format!(
        "`{}` · declared <!date^{}^{{date_short_pretty}} {{time}}|{}> · `/incident help` for commands",
        incident.id, incident.declared_at.timestamp(), incident.declared_at.format("%Y-%m-%d %H:%M UTC")))] }));
    let text = format!(
        "{} [{}] {}",
        incident.id,
        severity_text(config, incident),
        escape(&incident.title)
    );
    (text, json!(blocks))
}

/// `Checkout API on-call (PagerDuty) · acknowledged 03:12 by @bob`, each reader's time.
fn page_line(p: &crate::domain::PageInfo) -> String {
    let vendor = crate::domain::pager_name(&p.vendor);
    let stamp = |t: chrono::DateTime<chrono::Utc>| {
        format!(
            "<!date^{}^{{time}}|{}>",
            t.timestamp(),
            t.format("%H:%M UTC")
        )
    };
    let state = match (p.acknowledged_at, p.resolved) {
        (_, true) => "resolved".to_owned(),
        (Some(at), _) => {
            let by = match (&p.acknowledged_by, &p.acknowledged_by_name) {
                (Some(u), _) => format!(" by <@{u}>"),
                (None, Some(name)) => format!(" by {}", escape(name)),
                (None, None) => String::new(),
            };
            format!("acknowledged {}{by}", stamp(at))
        }
        (None, false) => "*not acknowledged*".to_owned(),
    };
    format!(
        "• {} ({vendor}) · paged {} · {state}",
        escape(&p.label),
        stamp(p.at)
    )
}

/// The notice of a triage report in the triage channel, kept up to date: on-call is
/// pinged when it arrives; it says what became of the report.
pub fn triage_notice(config: &Config, incident: &Incident, channel: &str) -> (String, Value) {
    let outcome = match incident.status {
        Status::Triage => format!(
            "{} :mag: New report to triage, suggested {}",
            // The triage responders by name where they are configured: `@here` reaches
            // only whoever happens to watch the channel.
            config
                .oncall
                .triage
                .slack_group
                .as_ref()
                .map_or_else(|| "<!here>".to_owned(), |g| format!("<!subteam^{g}>")),
            severity_text(config, incident)
        ),
        Status::Declined => ":no_entry_sign: Declined".to_owned(),
        _ => format!(
            ":white_check_mark: Accepted as {}",
            severity_text(config, incident)
        ),
    };
    let title = if incident.private {
        "(private)".to_owned()
    } else {
        escape(&clip(&incident.title, 150))
    };
    let text = format!("{outcome}: *{title}*\n<#{channel}>");
    let fallback = format!(
        "{} {} ({})",
        incident.id,
        if incident.private {
            "(private)".to_owned()
        } else {
            escape(&incident.title)
        },
        incident.status
    );
    (fallback, json!([{ "type": "section", "text": md(&text) }]))
}

/// The announcement in the incidents channel. A private incident says only that it exists.
pub fn announcement(config: &Config, incident: &Incident, channel: &str) -> (String, Value) {
    if incident.private {
        let text = format!(
            ":lock: A private incident was declared ({}).",
            incident.status
        );
        return (
            text.clone(),
            json!([{ "type": "section", "text": md(&text) }]),
        );
    }
    let latest = incident
        .latest_update
        .as_deref()
        .map(|u| {
            format!(
                "\n*Latest:* {}",
                super::mrkdwn::escape_people(&clip(u, 500))
            )
        })
        .unwrap_or_default();
    let text = format!(
        "{} *{}* · {} · {} · coordinator {}{latest}\n<#{}>",
        incident.status.emoji(),
        escape(&clip(&incident.title, 150)),
        severity_text(config, incident),
        incident.status,
        person(incident.roles.coordinator.as_ref()),
        channel,
    );
    let fallback = format!(
        "{} [{}] {} ({})",
        incident.id,
        incident.severity,
        escape(&incident.title),
        incident.status
    );
    (fallback, json!([{ "type": "section", "text": md(&text) }]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_modal_offers_every_severity_with_its_description() {
        let config = Config::default();
        let view = declare_modal(&config, "DB <!channel>", "", &ModalOrigin::default());
        let s = view.to_string();
        for l in config.severities.levels() {
            assert!(s.contains(&format!("\"value\":\"{}\"", l.id)));
        }
        assert_eq!(view["callback_id"], DECLARE_CALLBACK);
        // plain_text: Slack shows it verbatim, never as a mention.
        assert_eq!(
            view["blocks"][0]["element"]["initial_value"],
            "DB <!channel>"
        );
    }

    #[test]
    fn private_metadata_ends_whatever_is_long() {
        // Found by `make fuzz` (slash_command): a 3,000-character channel id, or a long
        // `ts` behind a one-character text, looped forever.
        let long = "\u{0}".repeat(600);
        for origin in [
            ModalOrigin {
                channel: Some(long.clone()),
                source_message: None,
            },
            ModalOrigin {
                channel: Some("C1".into()),
                source_message: Some(CapturedMessage {
                    channel: "C1".into(),
                    ts: long.clone(),
                    author: None,
                    text: "x".into(),
                    permalink: None,
                    posted_at: chrono::Utc::now(),
                }),
            },
        ] {
            let view = declare_modal(&Config::default(), "t", "", &origin);
            let meta = view["private_metadata"].as_str().unwrap();
            assert!(meta.chars().count() <= 3000);
        }
    }

    #[test]
    fn long_source_messages_fit_private_metadata() {
        let message = CapturedMessage {
            channel: "C1".into(),
            ts: "1.2".into(),
            author: None,
            text: "\"<&>\"".repeat(2000),
            permalink: None,
            posted_at: chrono::Utc::now(),
        };
        let origin = ModalOrigin {
            channel: Some("C1".into()),
            source_message: Some(message),
        };
        let view = declare_modal(&Config::default(), "t", "", &origin);
        let meta = view["private_metadata"].as_str().unwrap();
        assert!(meta.chars().count() <= 3000);
        let back: ModalOrigin = serde_json::from_str(meta).unwrap();
        assert!(
            back.source_message.unwrap().text.len() > 100,
            "cut, not dropped"
        );
    }

    #[test]
    fn headers_stay_under_slacks_limit_and_fallbacks_are_escaped() {
        use crate::domain::*;
        let rec = Recorded {
            incident_id: IncidentId::parse("20240101-calm-otter").unwrap(),
            version: 1,
            at: chrono::Utc::now(),
            actor: Actor::system("t"),
            command_id: "c".into(),
            event: Event::Declared(Box::new(Declaration {
                title: format!("<!channel> {}", "x".repeat(150)),
                severity: SeverityScale::default().lowest(),
                impact: String::new(),
                description: String::new(),
                services: vec![],
                customer: None,
                triage: false,
                private: false,
                page_oncall: false,
                roles: Roles::default(),
                impact_started_at: None,
                source_message: None,
                files: Vec::new(),
            })),
        };
        let incident = Incident::from_declared(&rec).unwrap();
        let (text, blocks) = card(&Config::default(), &incident);
        assert!(blocks[0]["text"]["text"].as_str().unwrap().chars().count() <= 150);
        assert!(!text.contains("<!channel>"));
        let (text, _) = announcement(&Config::default(), &incident, "C1");
        assert!(!text.contains("<!channel>"));
    }
}
