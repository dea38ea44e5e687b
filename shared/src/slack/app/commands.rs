//! `/incident …`: one table routes the subcommands and writes `help`, so adding a
//! subcommand touches one place.

use super::{Reject, Response, SlackApp, bad, when};
use crate::bus::ReplyTo;
use crate::domain::{
    Command, Edit, EscalationTarget, ImpactEdge, Role, StatsFormat, Status, UserId,
};
use crate::slack::blocks::{ModalOrigin, declare_modal};
use crate::slack::mrkdwn::escape;
use slack_morphism::events::SlackCommandEvent;

/// What a subcommand needs to become a Command.
struct Ctx<'a> {
    app: &'a SlackApp,
    user: &'a UserId,
    now: chrono::DateTime<chrono::Utc>,
    /// The person's time zone (their Slack profile's), for clock times without one.
    zone: chrono_tz::Tz,
}

type Parse = fn(&str, &Ctx) -> Result<Command, String>;

struct Sub {
    name: &'static str,
    aliases: &'static [&'static str],
    usage: &'static str,
    help: &'static str,
    parse: Parse,
}

const SUBCOMMANDS: &[Sub] = &[
    Sub {
        name: "update",
        aliases: &[],
        usage: "update <text>",
        help: "Post an update for everyone following the incident",
        parse: |rest, _| {
            Ok(Command::PostUpdate {
                text: rest.to_owned(),
            })
        },
    },
    Sub {
        name: "status",
        aliases: &[],
        usage: "status <investigating|fixing|monitoring|resolved> [summary]",
        help: "Move the incident along",
        parse: parse_status,
    },
    Sub {
        name: "severity",
        aliases: &["sev"],
        usage: "severity <S1..S4>",
        help: "Change the severity",
        parse: |rest, ctx| {
            let severity = ctx.app.config.severities.parse(first_word(rest))?;
            Ok(Command::SetSeverity { severity })
        },
    },
    Sub {
        name: "role",
        aliases: &[],
        usage: "role <coordinator|ops|comms|postmortem> @person",
        help: "Give someone a role",
        parse: |rest, ctx| {
            let mut words = rest.split_whitespace();
            let role: Role = words.next().unwrap_or_default().parse()?;
            let user = match words.next() {
                Some(w) => mention(w)
                    .ok_or_else(|| format!("`{w}` is not a person: mention them, like @alice."))?,
                None => ctx.user.clone(),
            };
            Ok(Command::AssignRole { role, user })
        },
    },
    Sub {
        name: "escalate",
        aliases: &[],
        usage: "escalate [@person|imoc]",
        help: "Page the coordinator rotation, the incident manager on-call (imoc), or a person",
        parse: |rest, _| {
            let w = first_word(rest);
            let target = match w {
                "" | "coordinator" | "coordinators" => EscalationTarget::Coordinators,
                "imoc" | "manager" => EscalationTarget::IncidentManager,
                other => EscalationTarget::User {
                    id: mention(other).ok_or_else(|| {
                        format!("`{other}`: escalate to `imoc` or mention a person.")
                    })?,
                },
            };
            Ok(Command::Escalate { target })
        },
    },
    Sub {
        name: "impact",
        aliases: &[],
        usage: "impact <start|end> [now|15m ago|14:05|3:25am PT|yesterday 23:10 CET]",
        help: "Set when customers started or stopped being affected (a time without a zone is in yours)",
        parse: |rest, ctx| {
            let (edge, time) = split_first(rest);
            let edge = match edge {
                "start" | "started" | "began" => ImpactEdge::Start,
                "end" | "ended" | "stop" | "stopped" => ImpactEdge::End,
                _ => {
                    return Err(
                        "Say `impact start` or `impact end`, optionally with a time.".into(),
                    );
                }
            };
            Ok(Command::SetImpact {
                edge,
                at: when::parse(time, ctx.now, ctx.zone)?.at,
            })
        },
    },
    Sub {
        name: "title",
        aliases: &["rename"],
        usage: "title <new title>",
        help: "Change the title",
        parse: |rest, _| {
            Ok(Command::Edit(Box::new(Edit {
                title: Some(rest.to_owned()),
                ..Edit::default()
            })))
        },
    },
    Sub {
        name: "service",
        aliases: &["services"],
        usage: "service <add|remove> <service>",
        help: "Say which services are affected: adding one invites its owners and pages its on-call when critical",
        parse: |rest, ctx| {
            let (verb, name) = split_first(rest);
            let service = find_service(ctx, name)?;
            match verb {
                "add" | "+" => Ok(Command::ChangeServices {
                    add: vec![service],
                    remove: vec![],
                }),
                "remove" | "rm" | "-" => Ok(Command::ChangeServices {
                    add: vec![],
                    remove: vec![service],
                }),
                _ => Err("Say `service add <service>` or `service remove <service>`.".into()),
            }
        },
    },
    Sub {
        name: "customer",
        aliases: &[],
        usage: "customer <customer|none>",
        help: "Say which customer is affected",
        parse: |rest, ctx| {
            let name = rest.trim();
            let customer = if matches!(name, "none" | "-") {
                String::new()
            } else {
                let found =
                    ctx.app.config.customers.iter().find(|c| {
                        c.id.eq_ignore_ascii_case(name) || c.name.eq_ignore_ascii_case(name)
                    });
                match found {
                    Some(c) => c.id.clone(),
                    None => {
                        let known: Vec<&str> = ctx
                            .app
                            .config
                            .customers
                            .iter()
                            .map(|c| c.id.as_str())
                            .collect();
                        return Err(format!(
                            "`{name}` is not a configured customer. Known: {}.",
                            if known.is_empty() {
                                "none".to_owned()
                            } else {
                                known.join(", ")
                            }
                        ));
                    }
                }
            };
            Ok(Command::Edit(Box::new(Edit {
                customer: Some(customer),
                ..Edit::default()
            })))
        },
    },
    Sub {
        name: "ack",
        aliases: &["acknowledge"],
        usage: "ack",
        help: "Acknowledge the incident",
        parse: |_, _| Ok(Command::Acknowledge),
    },
    Sub {
        name: "accept",
        aliases: &[],
        usage: "accept <S1..S4>",
        help: "Accept a triage incident at a severity",
        parse: |rest, ctx| {
            Ok(Command::AcceptTriage {
                severity: ctx.app.config.severities.parse(first_word(rest))?,
            })
        },
    },
    Sub {
        name: "decline",
        aliases: &[],
        usage: "decline <reason>",
        help: "Decline a triage incident",
        parse: |rest, _| {
            Ok(Command::DeclineTriage {
                reason: rest.to_owned(),
            })
        },
    },
    Sub {
        name: "statuspage",
        aliases: &["publish"],
        usage: "statuspage [message]",
        help: "Preview, then publish (or update) the incident on the public status page",
        // Answered with the preview modal before parsing (see `command`); this is
        // what an older queue message meant.
        parse: |rest, _| {
            Ok(Command::PublishStatus {
                message: (!rest.is_empty()).then(|| rest.to_owned()),
                title: None,
                status: None,
            })
        },
    },
    Sub {
        name: "link",
        aliases: &[],
        usage: "link <url> [label]",
        help: "Attach a customer ticket, dashboard or any page (card, bookmark, postmortem)",
        parse: |rest, _| {
            let (url, label) = split_first(rest);
            let (url, shown) = pasted_url(url);
            let label = Some(label)
                .filter(|l| !l.is_empty())
                .or(shown)
                .map(crate::slack::mrkdwn::from_slack);
            Ok(Command::AddLink { url, label })
        },
    },
    Sub {
        name: "call",
        aliases: &["zoom", "bridge"],
        usage: "call <url>",
        help: "Set the call responders join (card, topic, bookmark)",
        parse: |rest, _| {
            let (url, _) = pasted_url(first_word(rest));
            Ok(Command::SetCall { url })
        },
    },
    Sub {
        name: "action",
        aliases: &["followup"],
        usage: "action [incident] <text> [@owner]",
        help: "Record a follow-up, also after the incident is closed; from any channel, name the incident first",
        parse: |rest, _| {
            let mut words: Vec<&str> = rest.split_whitespace().collect();
            let owner = words.last().and_then(|w| mention(w));
            if owner.is_some() {
                words.pop();
            }
            Ok(Command::AddAction {
                text: words.join(" "),
                owner,
            })
        },
    },
    Sub {
        name: "ticket",
        aliases: &[],
        usage: "ticket <action number>",
        help: "Turn an action item into a ticket in the tracker",
        parse: |rest, _| {
            let w = first_word(rest).trim_start_matches('#');
            let number = w
                .parse()
                .map_err(|_| format!("`{w}` is not an action item number."))?;
            Ok(Command::RequestTicket { number })
        },
    },
    Sub {
        name: "postmortem",
        aliases: &["pm"],
        usage: "postmortem [incident]",
        help: "Draft (or redraft) the postmortem from the timeline now; after closing, name the incident from any channel",
        parse: |_, _| Ok(Command::RequestPostmortem),
    },
    Sub {
        name: "snooze",
        aliases: &[],
        usage: "snooze [minutes]",
        help: "Pause reminders (30 minutes unless you say)",
        parse: |rest, _| {
            let w = first_word(rest);
            let minutes = if w.is_empty() {
                30
            } else {
                w.trim_end_matches('m')
                    .parse()
                    .map_err(|_| format!("`{w}` is not a number of minutes."))?
            };
            Ok(Command::Snooze { minutes })
        },
    },
    Sub {
        name: "merge",
        aliases: &[],
        usage: "merge <incident name>",
        help: "Fold this incident (a duplicate) into another: its timeline and people move there, this channel is archived",
        parse: |rest, _| {
            let w = first_word(rest);
            // `20240122-honest-rhino`, `inc-20240122-honest-rhino`, or a channel mention
            // `<#C123|inc-20240122-honest-rhino>`.
            let name = w
                .strip_prefix("<#")
                .and_then(|m| m.strip_suffix('>'))
                .and_then(|m| m.split_once('|'))
                .map_or(w, |(_, n)| n)
                .trim_start_matches('#');
            let name = name.strip_prefix("inc-").unwrap_or(name);
            let name = name.strip_suffix("-resolved").unwrap_or(name);
            match crate::domain::IncidentId::parse(name) {
                Some(target) => Ok(Command::MergeInto { target }),
                None if w.is_empty() => Err("Name the incident to merge this one into.".into()),
                None => Err(format!("`{w}` is not an incident name.")),
            }
        },
    },
    Sub {
        name: "audit",
        aliases: &[],
        usage: "audit",
        help: "Get this incident's audit trail (every command, accepted or refused) as a CSV file",
        parse: |_, _| Ok(Command::ExportAudit),
    },
    Sub {
        name: "resolve",
        aliases: &[],
        usage: "resolve [summary]",
        help: "Mark the incident resolved (renames the channel)",
        parse: |rest, _| {
            Ok(Command::Resolve {
                summary: (!rest.is_empty()).then(|| rest.to_owned()),
            })
        },
    },
    Sub {
        name: "close",
        aliases: &[],
        usage: "close",
        help: "Close a resolved incident (archives the channel)",
        parse: |_, _| Ok(Command::Close),
    },
];

fn parse_status(rest: &str, _: &Ctx) -> Result<Command, String> {
    let (status, summary) = split_first(rest);
    let status: Status = status.parse()?;
    Ok(Command::SetStatus {
        status,
        summary: (!summary.is_empty()).then(|| summary.to_owned()),
    })
}

/// Slack turns a pasted URL into a reference, `<https://…>` or `<https://…|text>`, with
/// `&` as `&amp;`: the URL itself, and the text shown for it if any.
fn pasted_url(word: &str) -> (String, Option<&str>) {
    let (url, shown) = match word.strip_prefix('<').and_then(|u| u.strip_suffix('>')) {
        Some(inner) => match inner.split_once('|') {
            Some((u, l)) => (u, Some(l)),
            None => (inner, None),
        },
        None => (word, None),
    };
    (url.replace("&amp;", "&"), shown)
}

/// A configured service by id or name, case-insensitively.
fn find_service(ctx: &Ctx, name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("Name the service (`/incident services` lists them).".into());
    }
    ctx.app
        .config
        .services
        .iter()
        .find(|s| s.id.eq_ignore_ascii_case(name) || s.name.eq_ignore_ascii_case(name))
        .map(|s| s.id.clone())
        .ok_or_else(|| {
            format!("`{name}` is not a configured service (`/incident services` lists them).")
        })
}

fn first_word(s: &str) -> &str {
    s.split_whitespace().next().unwrap_or_default()
}

fn split_first(s: &str) -> (&str, &str) {
    let s = s.trim();
    match s.split_once(char::is_whitespace) {
        Some((a, b)) => (a, b.trim()),
        None => (s, ""),
    }
}

/// `<@U123|alice>` or `<@U123>` (Slack escapes mentions in commands), or a bare id.
fn mention(word: &str) -> Option<UserId> {
    let inner = word
        .strip_prefix("<@")
        .and_then(|w| w.strip_suffix('>'))
        .unwrap_or(word);
    UserId::parse(inner.split('|').next().unwrap_or_default())
}

/// How many open incidents `/incident list` shows; it says how many more there are.
const LIST_PAGE: usize = 30;

pub fn help_text() -> String {
    let mut out =
        String::from("*Flare* — `/incident` opens the declare form. In an incident channel:\n");
    for s in SUBCOMMANDS {
        out.push_str(&format!("• `/incident {}` — {}\n", s.usage, s.help));
    }
    out.push_str("• `/incident edit` — Change the title, impact, description, services or customer in the declaration form\n");
    out.push_str("• `/incident list [page]` — open incidents you can see\n• `/incident services` — who owns what, and who is paged\n• `/incident stats [days] [json|csv]` — how fast incidents were handled\n• `/incident summary` — catch up: where it stands, who does what, the last updates, open action items, who was paged\n• `/incident mail [days]` — mail to the triage address that opened nothing (auto-replies, bounces, quarantined)\n• `/incident help` — this help\n");
    out.push_str("React with :receipt: to add a message to the papertrail, :pushpin: (or pin it) for the postmortem discussion.\n");
    out.push_str("Shortcuts: *Declare incident* (the ⚡ menu, from anywhere) and *Declare from message* (a message's ⋯ menu, prefilled from an alert or a customer's words). Flare's *Home* tab lists the open incidents you can see, your roles, and a *Declare incident* button.");
    out
}

impl SlackApp {
    pub(super) async fn command(&self, req: &super::Request) -> Result<Response, Reject> {
        let cmd: SlackCommandEvent = serde_urlencoded::from_bytes(&req.body)
            .map_err(|e| bad(format!("not a slash command: {e}")))?;
        let user = UserId::parse(&cmd.user_id.0).ok_or_else(|| bad("bad user id"))?;
        // Slack sends `&`, `<`, `>` as entities: undone once here, escaped once on the
        // way out (mentions and links stay references).
        let decoded = crate::slack::mrkdwn::from_slack(cmd.text.as_deref().unwrap_or_default());
        let text = decoded.trim();
        let (word, rest) = split_first(text);
        let word = word.to_ascii_lowercase();
        match word.as_str() {
            "" | "new" | "declare" => {
                let origin = ModalOrigin {
                    channel: Some(cmd.channel_id.0.clone()),
                    source_message: None,
                };
                let title = self.plain_words(rest).await;
                self.open_modal(
                    &cmd.trigger_id.0,
                    declare_modal(&self.config, &title, "", &origin),
                )
                .await?;
                return Ok(Response::empty());
            }
            "help" => return Ok(Response::ephemeral(&help_text())),
            "edit" => return self.edit(&cmd).await,
            "list" => return self.list(rest, &user).await,
            "services" => return Ok(Response::ephemeral(&self.services())),
            "stats" => return self.stats(&cmd, rest, &user).await,
            "mail" => return self.mail_log(&cmd, rest, &user).await,
            "summary" | "catchup" | "catch-up" => return self.summary(&cmd).await,
            _ => {}
        }
        let Some(sub) = SUBCOMMANDS
            .iter()
            .find(|s| s.name == word || s.aliases.contains(&word.as_str()))
        else {
            return Ok(Response::ephemeral(&format!(
                "I don't know `{}`.\n{}",
                escape(&word),
                help_text()
            )));
        };
        let (incident, rest) = match self.incident_for_channel(&cmd.channel_id.0).await? {
            Some(incident) => (incident, rest),
            // A follow-up can come from anywhere, naming its incident (the review is
            // often a week later, in another channel, after the channel was archived).
            None if matches!(sub.name, "action" | "postmortem") => {
                let (first, tail) = split_first(rest);
                let Some(id) = crate::domain::IncidentId::parse(first) else {
                    return Ok(Response::ephemeral(if sub.name == "action" {
                        "Outside an incident's channel, name the incident: `/incident action <incident> <text> [@owner]`, e.g. `/incident action 20261127-clever-bee add a config check`."
                    } else {
                        "Outside an incident's channel, name the incident: `/incident postmortem <incident>`, e.g. `/incident postmortem 20261127-clever-bee`."
                    }));
                };
                let Some(named) = self.store.load(&id).await.ok().flatten() else {
                    return Ok(Response::ephemeral(&format!(
                        "There is no incident `{}`. `/incident list` shows the open ones.",
                        escape(first)
                    )));
                };
                // Typed elsewhere, so being there says nothing: its people only (the
                // reporter, role holders, the members of its channel, archived or not).
                if !self.is_one_of_its_people(&named, &user).await? {
                    let what = if sub.name == "action" {
                        "add its action items"
                    } else {
                        "redraft its postmortem"
                    };
                    return Ok(Response::ephemeral(&format!(
                        ":no_entry: Only the people of `{id}` (its channel's members, its reporter and role holders) can {what}."
                    )));
                }
                (id, tail)
            }
            None => {
                return Ok(Response::ephemeral(&format!(
                    "`/incident {}` works in an incident's channel, and this isn't one. `/incident list` shows the open incidents.",
                    sub.name
                )));
            }
        };
        // The status page is published after a preview, never straight from the command.
        if sub.name == "statuspage" {
            return Ok(
                match self
                    .open_statuspage(&cmd.trigger_id.0, &incident, Some(&cmd.channel_id.0), rest)
                    .await?
                {
                    Some(why) => Response::ephemeral(&escape(&why)),
                    None => Response::empty(),
                },
            );
        }
        // A time is used only once the person confirmed it when it looks wrong (in the
        // future, or long before the declaration): they say so with a last `confirm`.
        let (rest, confirmed) = match rest.strip_suffix("confirm") {
            Some(r) if sub.name == "impact" && (r.is_empty() || r.ends_with(' ')) => {
                (r.trim_end(), true)
            }
            _ => (rest, false),
        };
        let zone = if sub.name == "impact" {
            self.zone_of(&user).await
        } else {
            chrono_tz::Tz::UTC
        };
        let ctx = Ctx {
            app: self,
            user: &user,
            now: self.clock.now(),
            zone,
        };
        let command = match (sub.parse)(rest, &ctx) {
            Ok(c) => c,
            Err(why) => {
                return Ok(Response::ephemeral(&format!(
                    "{}\nUsage: `/incident {}`",
                    escape(&why),
                    sub.usage
                )));
            }
        };
        // Roles go to people: not to a bot, a deactivated account or an unknown id.
        if let Command::AssignRole { user: holder, .. } = &command
            && let Some(problem) = self.not_a_person(holder).await
        {
            return Ok(Response::ephemeral(&format!(
                "{problem}\nUsage: `/incident {}`",
                sub.usage
            )));
        }
        if let Command::SetImpact { at, .. } = &command
            && !confirmed
            && let Some(answer) = self.confirm_time(&incident, rest, *at, zone, ctx.now).await
        {
            return Ok(Response::ephemeral(&answer));
        }
        let reply = reply_to(&cmd, &user);
        // The trigger id is unique per invocation and the same in Slack's retries.
        let env = self.envelope(
            format!("slash#{}", cmd.trigger_id.0),
            Some(incident),
            command,
            &user,
            Some(reply),
        );
        if let Some(why) = self.refused_now(&env).await {
            return Ok(Response::ephemeral(&format!(":no_entry: {why}")));
        }
        self.enqueue(env).await?;
        Ok(Response::ephemeral(&format!(
            "On it: `/incident {}`",
            crate::slack::mrkdwn::escape_people(text)
        )))
    }

    /// Whether `user` is the incident's reporter, holds a role in it, or is (or was, for
    /// an archived channel) a member of its channel.
    async fn is_one_of_its_people(
        &self,
        incident: &crate::domain::Incident,
        user: &UserId,
    ) -> Result<bool, Reject> {
        if incident.involves(user) {
            return Ok(true);
        }
        let refs = self
            .store
            .refs(&incident.id)
            .await
            .map_err(|e| Reject::Unavailable(e.to_string()))?;
        let Some(channel) = refs.get("channel") else {
            return Ok(false);
        };
        let directory = crate::slack::api::SlackDirectory {
            api: self.api.clone(),
        };
        crate::directory::Directory::in_channel(&directory, channel, user)
            .await
            .map_err(Reject::Unavailable)
    }

    /// The question to ask before a doubtful time is used (see [`when::doubt`]), with
    /// the time as every reader sees it in their zone and what it was read as.
    async fn confirm_time(
        &self,
        incident: &crate::domain::IncidentId,
        typed: &str,
        at: chrono::DateTime<chrono::Utc>,
        zone: chrono_tz::Tz,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Option<String> {
        let declared = self.store.load(incident).await.ok()??.declared_at;
        let why = when::doubt(at, now, declared)?;
        let (_, time) = split_first(typed);
        Some(format!(
            ":question: I read `{}` as {} ({} in {}), {why}. Nothing is set yet: if that is right, run `/incident impact {} confirm`.",
            escape(time),
            crate::slack::mrkdwn::date(at),
            at.with_timezone(&zone).format("%a %H:%M"),
            zone.name(),
            escape(typed.trim()),
        ))
    }

    /// The person's time zone from their Slack profile (`users.info` `tz`), cached an
    /// hour per container; UTC when Slack can't say in time.
    async fn zone_of(&self, user: &UserId) -> chrono_tz::Tz {
        const KEEP: std::time::Duration = std::time::Duration::from_secs(3600);
        static ZONES: std::sync::OnceLock<
            std::sync::Mutex<
                std::collections::HashMap<String, (chrono_tz::Tz, std::time::Instant)>,
            >,
        > = std::sync::OnceLock::new();
        let zones = ZONES.get_or_init(Default::default);
        if let Ok(cache) = zones.lock()
            && let Some((tz, since)) = cache.get(user.as_str())
            && since.elapsed() < KEEP
        {
            return *tz;
        }
        let tz = match self.user_info(user.as_str(), 800).await {
            Ok(Ok(v)) => v["user"]["tz"]
                .as_str()
                .and_then(|name| name.parse::<chrono_tz::Tz>().ok()),
            _ => None,
        };
        match tz {
            Some(tz) => {
                if let Ok(mut cache) = zones.lock() {
                    cache.insert(user.to_string(), (tz, std::time::Instant::now()));
                }
                tz
            }
            None => chrono_tz::Tz::UTC,
        }
    }

    /// What the slack function can already tell: a command the incident as stored would
    /// refuse is answered in the first reply, not seconds later by the worker, and kept
    /// on the audit trail as the worker would keep it. Only when the person may run it
    /// as a member of the channel they typed in; anything that needs more (the
    /// incident-manager group) or a read that fails is left to the worker.
    async fn refused_now(&self, env: &crate::bus::CommandEnvelope) -> Option<String> {
        let id = env.incident.as_ref()?;
        let incident = self.store.load(id).await.ok()??;
        let policy = self.config.access_policy();
        let access = policy.required(&env.command);
        let standing = crate::domain::Standing {
            member: true,
            manager: false,
        };
        crate::domain::authorize(
            &incident,
            &env.command,
            &env.actor,
            access,
            standing,
            &policy,
        )
        .ok()?;
        let now = incident.updated_at.max(self.clock.now());
        let reason = crate::domain::decide(Some(&incident), env.command.clone(), &env.actor, now)
            .err()?
            .to_string();
        let entry = crate::domain::AuditEntry::new(
            id.clone(),
            env.received_at,
            &env.id,
            &env.command,
            &env.actor,
            "slack",
            crate::domain::AuditOutcome::Refused {
                reason: reason.clone(),
            },
        );
        if let Err(e) = self.audit.record(&entry).await {
            // The answer matters more than the record; the worker would have kept it.
            tracing::warn!(command = %env.id, error = %e, "could not record a refusal");
        }
        Some(reason)
    }

    /// `/incident edit`: the declaration form, filled in with the incident as it is now.
    async fn edit(&self, cmd: &SlackCommandEvent) -> Result<Response, Reject> {
        let Some(id) = self.incident_for_channel(&cmd.channel_id.0).await? else {
            return Ok(Response::ephemeral(
                "`/incident edit` works in an incident's channel, and this isn't one.",
            ));
        };
        let incident = self
            .store
            .load(&id)
            .await
            .map_err(|e| Reject::Unavailable(e.to_string()))?;
        let Some(incident) = incident.filter(|i| !i.status.is_terminal()) else {
            return Ok(Response::ephemeral(
                "This incident is over; its details can't change any more.",
            ));
        };
        self.open_modal(
            &cmd.trigger_id.0,
            crate::slack::blocks::edit_modal(&self.config, &incident),
        )
        .await?;
        Ok(Response::empty())
    }

    /// The service catalog: who owns what, who is invited, who is paged.
    fn services(&self) -> String {
        if self.config.services.is_empty() {
            return "No services are configured (see `services:` in the configuration).".into();
        }
        let mut out = String::from("*Services*\n");
        for s in &self.config.services {
            let people: Vec<String> = s
                .slack_users
                .iter()
                .map(|u| format!("<@{u}>"))
                .chain(s.slack_group.iter().map(|g| format!("<!subteam^{g}>")))
                .collect();
            let paged = match &s.oncall {
                Some(crate::config::OnCallTarget::Pagerduty { .. }) => "PagerDuty",
                Some(crate::config::OnCallTarget::Opsgenie { .. }) => "Opsgenie",
                None => "the default rotation",
            };
            out.push_str(&format!(
                "• *{}* (`{}`) · team {} · invites {} · pages {}\n",
                escape(&s.name),
                escape(&s.id),
                escape(&s.team),
                if people.is_empty() {
                    "nobody".to_owned()
                } else {
                    people.join(" ")
                },
                paged
            ));
        }
        out
    }

    /// `/incident stats [days] [json|csv]`: queued for the worker, which reads every
    /// incident of the window (`slack::stats_report`) and answers here.
    async fn stats(
        &self,
        cmd: &SlackCommandEvent,
        rest: &str,
        user: &UserId,
    ) -> Result<Response, Reject> {
        let mut days = 30u32;
        let mut format = StatsFormat::Text;
        for w in rest.split_whitespace() {
            match w {
                "json" => format = StatsFormat::Json,
                "csv" => format = StatsFormat::Csv,
                n => match n.trim_end_matches('d').parse::<u32>() {
                    Ok(n) if (1..=366).contains(&n) => days = n,
                    _ => {
                        return Ok(Response::ephemeral(
                            "Usage: `/incident stats [days, 1–366] [json|csv]`",
                        ));
                    }
                },
            }
        }
        let reply = reply_to(cmd, user);
        let env = self.envelope(
            format!("slash#{}", cmd.trigger_id.0),
            None,
            Command::Stats { days, format },
            user,
            Some(reply),
        );
        self.enqueue(env).await?;
        let where_ = if format == StatsFormat::Csv {
            "the CSV comes to your DMs"
        } else {
            "the figures follow here"
        };
        Ok(Response::ephemeral(&format!(
            ":bar_chart: Counting the incidents of the last {days} days you can see: {where_}."
        )))
    }

    /// `/incident summary`: the catch-up, for whoever asks in the incident's channel
    /// (being there is what a member is).
    async fn summary(&self, cmd: &SlackCommandEvent) -> Result<Response, Reject> {
        let Some(id) = self.incident_for_channel(&cmd.channel_id.0).await? else {
            return Ok(Response::ephemeral(
                "`/incident summary` works in an incident's channel, and this isn't one. `/incident list` shows the open incidents.",
            ));
        };
        let unavailable = |e: crate::store::StoreError| Reject::Unavailable(e.to_string());
        let Some(incident) = self.store.load(&id).await.map_err(unavailable)? else {
            return Ok(Response::ephemeral("I can't find this incident any more."));
        };
        let timeline: Vec<crate::domain::Recorded> = self
            .store
            .events(&id, 1)
            .await
            .map_err(unavailable)?
            .into_iter()
            .map(|e| e.record)
            .collect();
        Ok(Response::ephemeral(
            &crate::slack::limits::fit_message_text(&crate::slack::summary::digest(
                &incident,
                &timeline,
                self.clock.now(),
            )),
        ))
    }

    /// `/incident mail [days]`: the mail to the triage address that opened nothing,
    /// counted by the worker from the mail log (`slack::mail_report`).
    async fn mail_log(
        &self,
        cmd: &SlackCommandEvent,
        rest: &str,
        user: &UserId,
    ) -> Result<Response, Reject> {
        let max = crate::slack::mail_report::MAX_DAYS;
        let days = match rest.trim() {
            "" => 7,
            n => match n.trim_end_matches('d').parse::<u32>() {
                Ok(n) if (1..=max).contains(&n) => n,
                _ => {
                    return Ok(Response::ephemeral(&format!(
                        "Usage: `/incident mail [days, 1–{max}]`"
                    )));
                }
            },
        };
        let env = self.envelope(
            format!("slash#{}", cmd.trigger_id.0),
            None,
            Command::MailLog { days },
            user,
            Some(reply_to(cmd, user)),
        );
        self.enqueue(env).await?;
        Ok(Response::ephemeral(&format!(
            ":incoming_envelope: Looking at the triage address's last {days} day{}: the counts follow here.",
            if days == 1 { "" } else { "s" }
        )))
    }

    /// A page of the open incidents the asking person can see (private ones only to
    /// their people): `/incident list [page]`.
    async fn list(&self, rest: &str, user: &UserId) -> Result<Response, Reject> {
        let number = match rest.trim() {
            "" => 1,
            n => match n.parse::<usize>() {
                Ok(n) if (1..=1000).contains(&n) => n,
                _ => return Ok(Response::ephemeral("Usage: `/incident list [page]`")),
            },
        };
        let page = self
            .open_page(user, number - 1, LIST_PAGE, &[], None)
            .await?;
        if page.shown.is_empty() {
            return Ok(Response::ephemeral(if number == 1 {
                ":sunny: No open incidents."
            } else {
                "No more open incidents: that page is past the end."
            }));
        }
        let lines: Vec<String> = page
            .shown
            .iter()
            .map(|s| {
                let inc = &s.card;
                format!(
                    "{} *{}*{} · {} · {} · {}",
                    inc.status.emoji(),
                    escape(&inc.title),
                    if inc.private { " :lock:" } else { "" },
                    inc.severity,
                    inc.status,
                    crate::slack::listing::place(s)
                )
            })
            .collect();
        let more = if page.more > 0 {
            format!(
                "\n…and {} more, less severe or older: `/incident list {}`.",
                page.more,
                number + 1
            )
        } else {
            String::new()
        };
        let heading = if number == 1 {
            "*Open incidents*, most severe and newest first".to_owned()
        } else {
            format!("*Open incidents*, page {number}")
        };
        Ok(Response::ephemeral(&format!(
            "{heading}\n{}{more}",
            lines.join("\n")
        )))
    }
}

/// Where the worker answers a slash command's person: its `response_url`.
fn reply_to(cmd: &SlackCommandEvent, user: &UserId) -> ReplyTo {
    ReplyTo {
        response_url: Some(cmd.response_url.0.to_string()),
        channel: Some(cmd.channel_id.0.clone()),
        user: Some(user.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions() {
        assert_eq!(mention("<@U0BOB|bob>"), UserId::parse("U0BOB"));
        assert_eq!(mention("<@U0BOB>"), UserId::parse("U0BOB"));
        assert_eq!(mention("U0BOB"), UserId::parse("U0BOB"));
        assert_eq!(mention("@bob"), None);
        assert_eq!(mention("<!channel>"), None);
    }

    #[test]
    fn help_lists_every_subcommand() {
        let h = help_text();
        for s in SUBCOMMANDS {
            assert!(h.contains(s.usage));
        }
    }
}
