//! Agents as the API manages them, with their team memberships. Deleting
//! an agent keeps its tickets, notes and messages (their links become
//! NULL) and ends its API tokens.
use super::{Modified, Store};
use crate::domain::{EmailAddress, Role};
use anyhow::Context;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AgentRow {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: String,
    pub signature: String,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    pub row: AgentRow,
    /// Teams the agent is a member of, ascending.
    pub team_ids: Vec<i64>,
}

/// What an agent is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentSpec {
    pub email: EmailAddress,
    pub name: String,
    pub role: Role,
    pub signature: String,
    pub active: bool,
    pub team_ids: Vec<i64>,
}

const COLUMNS: &str = "id, email, name, role, signature, active, created_at, updated_at";

impl Store {
    /// Every agent, by name.
    pub async fn agents(&self) -> anyhow::Result<Vec<Agent>> {
        let rows: Vec<AgentRow> =
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM agents ORDER BY name, id"))
                .fetch_all(self.pool())
                .await
                .context("reading agents")?;
        let pairs: Vec<(i64, i64)> =
            sqlx::query_as("SELECT agent_id, team_id FROM team_members ORDER BY agent_id, team_id")
                .fetch_all(self.pool())
                .await
                .context("reading team members")?;
        let mut teams: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
        for (agent, team) in pairs {
            teams.entry(agent).or_default().push(team);
        }
        Ok(rows
            .into_iter()
            .map(|row| Agent {
                team_ids: teams.remove(&row.id).unwrap_or_default(),
                row,
            })
            .collect())
    }

    pub async fn agent(&self, id: i64) -> anyhow::Result<Option<Agent>> {
        agent_on(&mut *self.pool().acquire().await?, id).await
    }

    /// Creates an agent with its memberships, in one transaction.
    pub async fn insert_agent(&self, spec: &AgentSpec) -> anyhow::Result<i64> {
        let mut tx = self.begin_write().await?;
        let now = super::now();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO agents (email, name, role, signature, active, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
        )
        .bind(spec.email.as_str())
        .bind(&spec.name)
        .bind(spec.role.as_str())
        .bind(&spec.signature)
        .bind(spec.active)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .context("creating an agent")?;
        set_teams(&mut tx, id, &spec.team_ids).await?;
        tx.commit().await.context("committing an agent")?;
        Ok(id)
    }

    /// Changes agent `id` and its memberships by `change`, which is given
    /// the agent as it is inside the write transaction. A change that
    /// would leave no active admin is refused with [`LastAdmin`].
    pub async fn modify_agent<E: From<LastAdmin>>(
        &self,
        id: i64,
        change: impl FnOnce(Agent) -> Result<AgentSpec, E>,
    ) -> anyhow::Result<Modified<E>> {
        self.modify(
            async |c| with_other_admins(c, id).await,
            |(others, agent): (i64, Agent)| {
                let was = is_active_admin(&agent);
                let spec = change(agent)?;
                match was && !(spec.active && spec.role == Role::Admin) && others == 0 {
                    true => Err(E::from(LastAdmin)),
                    false => Ok(spec),
                }
            },
            async |c, spec| {
                sqlx::query(
                    "UPDATE agents SET email = $1, name = $2, role = $3, signature = $4, active = $5,
                        updated_at = $6 WHERE id = $7",
                )
                .bind(spec.email.as_str())
                .bind(&spec.name)
                .bind(spec.role.as_str())
                .bind(&spec.signature)
                .bind(spec.active)
                .bind(super::now())
                .bind(id)
                .execute(&mut *c)
                .await
                .context("updating an agent")?;
                set_teams(c, id, &spec.team_ids).await
            },
        )
        .await
    }

    /// Deletes agent `id`, unless it is the last active admin.
    pub async fn delete_agent(&self, id: i64) -> anyhow::Result<Modified<LastAdmin>> {
        self.modify(
            async |c| with_other_admins(c, id).await,
            |(others, agent): (i64, Agent)| match is_active_admin(&agent) && others == 0 {
                true => Err(LastAdmin),
                false => Ok(()),
            },
            async |c, ()| {
                sqlx::query("DELETE FROM agents WHERE id = $1")
                    .bind(id)
                    .execute(&mut *c)
                    .await
                    .context("deleting an agent")?;
                Ok(())
            },
        )
        .await
    }
}

/// Refused: the change would leave no active admin, and with none no one
/// could change a setting again without shell access.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LastAdmin;

impl std::fmt::Display for LastAdmin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(
            "this is the last active admin: make another agent an admin first, \
             so that someone can still change settings",
        )
    }
}

/// Agent `id` with how many active admins there are besides it.
async fn with_other_admins(
    conn: &mut sqlx::SqliteConnection,
    id: i64,
) -> anyhow::Result<Option<(i64, Agent)>> {
    let Some(agent) = agent_on(conn, id).await? else {
        return Ok(None);
    };
    let others =
        sqlx::query_scalar("SELECT COUNT(*) FROM agents WHERE role = $1 AND active AND id <> $2")
            .bind(Role::Admin.as_str())
            .bind(id)
            .fetch_one(&mut *conn)
            .await
            .context("counting admins")?;
    Ok(Some((others, agent)))
}

fn is_active_admin(agent: &Agent) -> bool {
    agent.row.active && agent.row.role == Role::Admin.as_str()
}

async fn agent_on(conn: &mut sqlx::SqliteConnection, id: i64) -> anyhow::Result<Option<Agent>> {
    let row: Option<AgentRow> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM agents WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await
            .context("reading an agent")?;
    let Some(row) = row else { return Ok(None) };
    let team_ids =
        sqlx::query_scalar("SELECT team_id FROM team_members WHERE agent_id = $1 ORDER BY team_id")
            .bind(id)
            .fetch_all(&mut *conn)
            .await
            .context("reading an agent's teams")?;
    Ok(Some(Agent { row, team_ids }))
}

/// The agent's memberships become exactly `team_ids` (a team that does not
/// exist fails the foreign key).
async fn set_teams(
    conn: &mut sqlx::SqliteConnection,
    agent_id: i64,
    team_ids: &[i64],
) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM team_members WHERE agent_id = $1")
        .bind(agent_id)
        .execute(&mut *conn)
        .await
        .context("clearing an agent's teams")?;
    for team in team_ids {
        sqlx::query("INSERT INTO team_members (team_id, agent_id) VALUES ($1, $2)")
            .bind(team)
            .bind(agent_id)
            .execute(&mut *conn)
            .await
            .context("adding an agent to a team")?;
    }
    Ok(())
}
