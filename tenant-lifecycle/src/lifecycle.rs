//! The life-cycle commands: onboard, suspend, resume, offboard, show, list.

use chrono::{DateTime, SubsecRound, Utc};
use tenant_registry::{
    ApiKeyHash, ApiKeyId, Isolation, Secret, TenantRecord, TenantStatus, silo_table_name,
};

use crate::api_keys::ApiKeys;
use crate::input::{OnboardRequest, TenantName, TenantRef};
use crate::registry::{Registry, StatusUpdate};
use crate::revocation::{Pruned, RevokedBy, SessionRevoker};
use crate::tenant_data::TenantData;
use crate::{LifecycleError, Progress, Resources};

/// The AWS clients life-cycle commands use, built once by the caller.
#[derive(Clone, Debug)]
pub struct Clients {
    /// API keys and usage plans.
    pub apigateway: aws_sdk_apigateway::Client,
    /// The registry, silo tables, the pooled table.
    pub dynamodb: aws_sdk_dynamodb::Client,
    /// Session revocations on the tenant role.
    pub iam: aws_sdk_iam::Client,
}

impl Clients {
    /// Clients for every service from one loaded SDK configuration (region,
    /// credentials, `AWS_ENDPOINT_URL*` or an explicit endpoint).
    pub fn from_conf(conf: &aws_config::SdkConfig) -> Self {
        Self {
            apigateway: aws_sdk_apigateway::Client::new(conf),
            dynamodb: aws_sdk_dynamodb::Client::new(conf),
            iam: aws_sdk_iam::Client::new(conf),
        }
    }
}

/// Runs life-cycle commands against one deployment.
#[derive(Clone, Debug)]
pub struct Lifecycle {
    pub(crate) api_keys: ApiKeys,
    pub(crate) registry: Registry,
    pub(crate) data: TenantData,
    pub(crate) iam: aws_sdk_iam::Client,
    pub(crate) resources: Resources,
    pub(crate) now: fn() -> DateTime<Utc>,
}

/// A tenant just onboarded. `api_key` is shown to the operator once and
/// never again (API Gateway keeps it; tenantctl never reads it back).
#[derive(Debug)]
pub struct Onboarded {
    /// The registry item written.
    pub record: TenantRecord,
    /// The API key value: the tenant's secret.
    pub api_key: Secret,
    /// The siloed tenant's table.
    pub silo_table: Option<String>,
}

/// The result of suspend or resume.
#[derive(Debug)]
pub struct StatusChange {
    /// The tenant as it is now.
    pub record: TenantRecord,
    /// Its status before the command (equal to the new one on a re-run).
    pub previous: TenantStatus,
    /// `--revoke-sessions`: sessions issued before this moment are denied
    /// (a deadline a little after the command: see [`crate::revocation`]).
    pub sessions_revoked_before: Option<DateTime<Utc>>,
    /// Until when sessions issued now would still be refused by a
    /// revocation in force (after a resume: at most
    /// [`crate::revocation::max_refusal_after_suspend`] after the suspend).
    pub new_sessions_refused_until: Option<DateTime<Utc>>,
    /// Expired revocations removed from the tenant role (when it is configured).
    pub pruned: Option<Pruned>,
}

/// What `offboard --delete-data` deleted.
#[derive(Debug, PartialEq, Eq)]
pub enum DataDeletion {
    /// The siloed tenant's table.
    SiloTable {
        /// Its name.
        table: String,
        /// Whether it still existed.
        existed: bool,
    },
    /// The pooled tenant's items.
    PooledItems {
        /// The pooled table.
        table: String,
        /// How many items were deleted.
        count: u64,
    },
}

/// The result of offboard.
#[derive(Debug)]
pub struct Offboarding {
    /// The tenant as it is now (status offboarded).
    pub record: TenantRecord,
    /// Its status before the command.
    pub previous: TenantStatus,
    /// Whether the API key still existed and was deleted.
    pub key_deleted: bool,
    /// `--delete-data`: what was deleted.
    pub data: Option<DataDeletion>,
    /// `--revoke-sessions`: sessions issued before this moment are denied.
    pub sessions_revoked_before: Option<DateTime<Utc>>,
    /// Expired revocations removed from the tenant role (when it is configured).
    pub pruned: Option<Pruned>,
}

/// What onboarding has created so far, to undo on failure.
#[derive(Debug, Default)]
struct Created {
    key: Option<ApiKeyId>,
    plan: Option<String>,
    table: Option<String>,
}

impl Lifecycle {
    /// Life-cycle commands over `resources`, which must name the registry table.
    ///
    /// # Errors
    /// [`LifecycleError::MissingResource`] without a registry table.
    pub fn new(clients: Clients, resources: Resources) -> Result<Self, LifecycleError> {
        let registry = Registry::new(clients.dynamodb.clone(), resources.tenant_table()?);
        Ok(Self {
            api_keys: ApiKeys::new(clients.apigateway),
            registry,
            data: TenantData::new(clients.dynamodb),
            iam: clients.iam,
            resources,
            now: Utc::now,
        })
    }

    /// Polls table status and retries unprocessed deletes at this pace (tests use 1 ms).
    #[must_use]
    pub fn with_poll_interval(mut self, interval: std::time::Duration) -> Self {
        self.data.poll_interval = interval;
        self.data.table_timeout = interval * 50;
        self
    }

    /// Reads the time from `now` instead of the system clock.
    #[must_use]
    pub fn with_clock(mut self, now: fn() -> DateTime<Utc>) -> Self {
        self.now = now;
        self
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        (self.now)().trunc_subsecs(0)
    }

    pub(crate) fn revoker(&self) -> Result<SessionRevoker, LifecycleError> {
        Ok(SessionRevoker::new(
            self.iam.clone(),
            self.resources.tenant_role_name()?,
        ))
    }

    /// Onboards a tenant: API key, usage plan membership, silo table if
    /// siloed, and last the registry item, which is what makes the tenant
    /// exist. A failure rolls back what was created; leftovers of an
    /// interrupted earlier run with the same name are removed first.
    ///
    /// # Errors
    /// Bad configuration, [`LifecycleError::DuplicateName`], or
    /// [`LifecycleError::OnboardFailed`] listing what was rolled back.
    pub async fn onboard(
        &self,
        request: &OnboardRequest,
        progress: &dyn Progress,
    ) -> Result<Onboarded, LifecycleError> {
        let plan = self.resources.usage_plan(request.tier)?;
        let silo_prefix = match request.isolation {
            Isolation::Siloed => Some(self.resources.silo_table_prefix()?),
            Isolation::Pooled => None,
        };
        let name = &request.name;
        progress.step(&format!(
            "checking the registry for a tenant named {:?}",
            name.as_str()
        ));
        let existing = self.registry.find_by_name(name).await?;
        if let Some(live) = existing
            .iter()
            .find(|r| r.status != TenantStatus::Offboarded)
        {
            return Err(LifecycleError::DuplicateName {
                name: name.as_str().to_owned(),
                api_key_id: live.api_key_id.clone(),
                status: live.status,
            });
        }
        self.remove_interrupted_onboardings(name, progress).await?;

        let mut created = Created::default();
        match self
            .create_tenant(request, plan, silo_prefix, &mut created, progress)
            .await
        {
            Ok(onboarded) => Ok(onboarded),
            Err(cause) => Err(self.roll_back(cause, created, progress).await),
        }
    }

    async fn create_tenant(
        &self,
        request: &OnboardRequest,
        plan: &str,
        silo_prefix: Option<&str>,
        created: &mut Created,
        progress: &dyn Progress,
    ) -> Result<Onboarded, LifecycleError> {
        progress.step(&format!("creating API key {:?}", request.name.as_str()));
        let key = self.api_keys.create(&request.name).await?;
        let id = key.id.clone();
        created.key = Some(id.clone());

        progress.step(&format!(
            "adding API key {id} to the {} usage plan {plan}",
            request.tier
        ));
        // Recorded before the call: a timeout may hide a membership that took.
        created.plan = Some(plan.to_owned());
        self.api_keys.add_to_plan(plan, &id).await?;

        let silo_table = match silo_prefix {
            Some(prefix) => {
                let table = silo_table_name(prefix, &id);
                progress.step(&format!("creating silo table {table}"));
                created.table = Some(table.clone());
                self.data.create_silo_table(&table, &id).await?;
                progress.step(&format!("waiting for table {table} to become active"));
                self.data.wait_until_active(&table).await?;
                Some(table)
            }
            None => None,
        };

        let record = TenantRecord {
            api_key_id: id.clone(),
            tenant_name: request.name.as_str().to_owned(),
            email: request.email.as_str().to_owned(),
            tier: request.tier,
            status: TenantStatus::Active,
            isolation: request.isolation,
            created_at: self.now(),
            contact: request.contact.as_ref().map(|c| c.as_str().to_owned()),
            // The value itself is shown to the operator once and never
            // stored: the vendor checks a presented key against this hash.
            api_key_sha256: Some(ApiKeyHash::of(key.value.expose())),
            revision: 1,
            partition_key_id: None,
            previous_api_key_id: None,
            retired_at: None,
            new_sessions_refused_until: None,
        };
        progress.step(&format!(
            "writing the registry item for {id} (status active)"
        ));
        if let Err(e) = self.registry.create(&record).await {
            // A write that timed out may still have landed: then we are done.
            match self.registry.get(&id).await {
                Ok(Some(stored)) if stored == record => {}
                Ok(_) => return Err(e),
                Err(_) => {
                    // Unknown outcome: rolling back could leave a registry item
                    // without its key. Keep everything; a re-run sorts it out.
                    *created = Created::default();
                    return Err(LifecycleError::OnboardFailed {
                        cause: Box::new(e),
                        undone: Vec::new(),
                        left_behind: vec![format!(
                            "API key {id} (the registry write's outcome is unknown)"
                        )],
                    });
                }
            }
        }
        Ok(Onboarded {
            record,
            api_key: key.value,
            silo_table,
        })
    }

    async fn roll_back(
        &self,
        cause: LifecycleError,
        created: Created,
        progress: &dyn Progress,
    ) -> LifecycleError {
        if let LifecycleError::OnboardFailed { .. } = cause {
            return cause;
        }
        if created.key.is_none() {
            return cause;
        }
        progress.step(&format!("onboarding failed ({cause}); rolling back"));
        let mut undone = Vec::new();
        let mut left_behind = Vec::new();
        if let Some(table) = &created.table {
            match self.data.delete_table(table).await {
                Ok(_) => undone.push(format!("deleted table {table}")),
                Err(e) => left_behind.push(format!("table {table} ({e})")),
            }
        }
        if let Some(id) = &created.key {
            if let Some(plan) = &created.plan {
                match self.api_keys.remove_from_plan(plan, id).await {
                    Ok(_) => undone.push(format!("removed API key {id} from usage plan {plan}")),
                    Err(e) => left_behind.push(format!("API key {id} in usage plan {plan} ({e})")),
                }
            }
            match self.api_keys.delete(id).await {
                Ok(_) => undone.push(format!("deleted API key {id}")),
                Err(e) => left_behind.push(format!("API key {id} ({e})")),
            }
        }
        for line in &undone {
            progress.step(&format!("rolled back: {line}"));
        }
        LifecycleError::OnboardFailed {
            cause: Box::new(cause),
            undone,
            left_behind,
        }
    }

    /// Removes what an interrupted onboarding of `name` left: API keys
    /// tenantctl created with this name that no registry item refers to,
    /// their usage plan memberships and silo tables. Those never belonged to
    /// a registered tenant, so vendor-fn never vended credentials for them
    /// and their tables hold no tenant data.
    pub(crate) async fn remove_interrupted_onboardings(
        &self,
        name: &TenantName,
        progress: &dyn Progress,
    ) -> Result<(), LifecycleError> {
        for id in self.api_keys.find_by_name(name).await? {
            if self.registry.get(&id).await?.is_some() {
                continue;
            }
            progress.step(&format!(
                "found API key {id} left by an interrupted onboarding of {:?}; removing it",
                name.as_str()
            ));
            for plan in self.resources.all_usage_plans() {
                if self.api_keys.remove_from_plan(plan, &id).await? {
                    progress.step(&format!("removed API key {id} from usage plan {plan}"));
                }
            }
            if let Ok(prefix) = self.resources.silo_table_prefix() {
                let table = silo_table_name(prefix, &id);
                if self.data.delete_table(&table).await? {
                    progress.step(&format!("deleted table {table}"));
                }
            }
            self.api_keys.delete(&id).await?;
            progress.step(&format!("deleted API key {id}"));
        }
        Ok(())
    }

    /// Suspends a tenant: registry status `suspended` (vendor-fn refuses at
    /// once), API key disabled (API Gateway refuses), and with
    /// `revoke_sessions` a Deny on the tenant role for its sessions issued
    /// until now. Re-running on a suspended tenant finishes the job.
    ///
    /// # Errors
    /// [`LifecycleError::TenantNotFound`], [`LifecycleError::WrongState`] for
    /// an offboarded tenant, [`LifecycleError::PartiallyApplied`] when a step
    /// after the registry update failed.
    pub async fn suspend(
        &self,
        tenant: &TenantRef,
        revoke_sessions: bool,
        progress: &dyn Progress,
    ) -> Result<StatusChange, LifecycleError> {
        let revoker = if revoke_sessions {
            Some(self.revoker()?)
        } else {
            None
        };
        let keys = self.keys(tenant).await?;
        let record = keys.current.clone();
        // An offboarded tenant has no live key: its record itself is checked
        // (and refused) then.
        let mut live: Vec<TenantRecord> = keys.live().cloned().collect();
        if live.is_empty() {
            live.push(record.clone());
        }
        let partition = record.partition_key_id().clone();
        let previous = record.status;
        // Every key of the tenant: a replaced key that still vends too.
        let mut done = Vec::new();
        for key in &live {
            self.change_status(
                key,
                TenantStatus::Active,
                TenantStatus::Suspended,
                None,
                "suspend",
                progress,
            )
            .await
            .map_err(|e| {
                if done.is_empty() {
                    e
                } else {
                    partially(&done, e)
                }
            })?;
            done.push(format!(
                "registry status of {} is suspended",
                key.api_key_id
            ));
        }
        for key in &live {
            let id = &key.api_key_id;
            progress.step(&format!("disabling API key {id}"));
            self.api_keys
                .set_enabled(id, false)
                .await
                .map_err(|e| partially(&done, e))?;
            done.push(format!("API key {id} disabled"));
        }
        let (sessions_revoked_before, pruned) = match revoker {
            Some(revoker) => {
                let (before, pruned) = self
                    .revoke_tenant(&revoker, &partition, progress)
                    .await
                    .map_err(|e| partially(&done, e))?;
                (Some(before), Some(pruned))
            }
            None => (None, self.prune_revocations(progress).await),
        };
        Ok(StatusChange {
            record: TenantRecord {
                status: TenantStatus::Suspended,
                ..record
            },
            previous,
            sessions_revoked_before,
            new_sessions_refused_until: sessions_revoked_before,
            pruned,
        })
    }

    /// Resumes a suspended tenant: registry status `active`, API key enabled.
    /// Re-running on an active tenant finishes the job.
    ///
    /// # Errors
    /// As [`Lifecycle::suspend`].
    pub async fn resume(
        &self,
        tenant: &TenantRef,
        progress: &dyn Progress,
    ) -> Result<StatusChange, LifecycleError> {
        let keys = self.keys(tenant).await?;
        let record = keys.current.clone();
        // An offboarded tenant has no live key: its record itself is checked
        // (and refused) then.
        let mut live: Vec<TenantRecord> = keys.live().cloned().collect();
        if live.is_empty() {
            live.push(record.clone());
        }
        let previous = record.status;
        // Read before the status flips: a vend right after the resume would
        // get a session the suspension's revocation still denies, so the
        // registry tells vendor-fn to answer 503 + Retry-After until then.
        // (An offboarded tenant is refused below, without reading IAM.)
        let new_sessions_refused_until =
            if live.iter().any(|k| k.status != TenantStatus::Offboarded) {
                self.refused_until(record.partition_key_id()).await
            } else {
                None
            };
        let mut done = Vec::new();
        for key in &live {
            self.change_status(
                key,
                TenantStatus::Suspended,
                TenantStatus::Active,
                new_sessions_refused_until,
                "resume",
                progress,
            )
            .await
            .map_err(|e| {
                if done.is_empty() {
                    e
                } else {
                    partially(&done, e)
                }
            })?;
            done.push(format!("registry status of {} is active", key.api_key_id));
        }
        for key in &live {
            let id = &key.api_key_id;
            progress.step(&format!("enabling API key {id}"));
            self.api_keys
                .set_enabled(id, true)
                .await
                .map_err(|e| partially(&done, e))?;
            done.push(format!("API key {id} enabled"));
        }
        let pruned = self.prune_revocations(progress).await;
        if let Some(until) = new_sessions_refused_until {
            progress.step(&format!(
                "sessions issued before {until} stay refused (the suspension's revocation); \
                 until then vendor-fn answers 503 with Retry-After"
            ));
        }
        Ok(StatusChange {
            record: TenantRecord {
                status: TenantStatus::Active,
                ..record
            },
            previous,
            sessions_revoked_before: None,
            new_sessions_refused_until,
            pruned,
        })
    }

    /// Moves `record` from `from` to `to` with a conditional update; a
    /// tenant already in `to` is left as it is (a re-run).
    async fn change_status(
        &self,
        record: &TenantRecord,
        from: TenantStatus,
        to: TenantStatus,
        refused_until: Option<DateTime<Utc>>,
        command: &'static str,
        progress: &dyn Progress,
    ) -> Result<(), LifecycleError> {
        let id = &record.api_key_id;
        let wrong_state = |status| LifecycleError::WrongState {
            api_key_id: id.clone(),
            status,
            command,
            needs: if command == "suspend" {
                "needs an active tenant"
            } else {
                "needs a suspended tenant"
            },
        };
        if record.status == to {
            progress.step(&format!("tenant {id} is already {to} in the registry"));
            return Ok(());
        }
        if record.status != from {
            return Err(wrong_state(record.status));
        }
        progress.step(&format!("setting the registry status of {id} to {to}"));
        match self
            .registry
            .update_status(id, &[from], to, refused_until)
            .await?
        {
            StatusUpdate::Changed => Ok(()),
            StatusUpdate::Refused(current) if current.status == to => Ok(()),
            StatusUpdate::Refused(current) => Err(wrong_state(current.status)),
        }
    }

    /// Offboards a tenant: registry status `offboarded` (kept as a record),
    /// API key removed from its usage plan and deleted; with `delete_data`,
    /// the silo table or the tenant's pooled items are deleted. Re-running
    /// on an offboarded tenant finishes what is left.
    ///
    /// # Errors
    /// [`LifecycleError::TenantNotFound`], missing configuration,
    /// [`LifecycleError::PartiallyApplied`] when a step after the registry
    /// update failed.
    pub async fn offboard(
        &self,
        tenant: &TenantRef,
        delete_data: bool,
        revoke_sessions: bool,
        progress: &dyn Progress,
    ) -> Result<Offboarding, LifecycleError> {
        let revoker = if revoke_sessions {
            Some(self.revoker()?)
        } else {
            None
        };
        let keys = self.keys(tenant).await?;
        let record = keys.current.clone();
        let partition = record.partition_key_id().clone();
        let previous = record.status;
        // An offboarded tenant's keys are offboarded too: a re-run finishes
        // the cleanup of every key that is not retired.
        let keys_to_close: Vec<TenantRecord> = std::iter::once(&keys.current)
            .chain(&keys.replaced)
            .filter(|k| !k.is_retired())
            .cloned()
            .collect();
        // Check every name we will need before changing anything.
        let plan = self.resources.usage_plan(record.tier)?;
        let data_target = if delete_data {
            Some(match record.isolation {
                Isolation::Siloed => {
                    silo_table_name(self.resources.silo_table_prefix()?, &partition)
                }
                Isolation::Pooled => self.resources.data_table()?.to_owned(),
            })
        } else {
            None
        };

        let mut done = Vec::new();
        for key in &keys_to_close {
            self.mark_offboarded(key, progress).await.map_err(|e| {
                if done.is_empty() {
                    e
                } else {
                    partially(&done, e)
                }
            })?;
            done.push(format!(
                "registry status of {} is offboarded",
                key.api_key_id
            ));
        }
        let mut key_deleted = false;
        for key in &keys_to_close {
            let id = &key.api_key_id;
            progress.step(&format!("removing API key {id} from usage plan {plan}"));
            self.api_keys
                .remove_from_plan(plan, id)
                .await
                .map_err(|e| partially(&done, e))?;
            progress.step(&format!("deleting API key {id}"));
            let deleted = self
                .api_keys
                .delete(id)
                .await
                .map_err(|e| partially(&done, e))?;
            key_deleted |= deleted && *id == record.api_key_id;
            done.push(format!("API key {id} deleted"));
        }

        let (sessions_revoked_before, revoke_pruned) = match revoker {
            Some(revoker) => {
                let (before, pruned) = self
                    .revoke_tenant(&revoker, &partition, progress)
                    .await
                    .map_err(|e| partially(&done, e))?;
                done.push("sessions revoked".into());
                (Some(before), Some(pruned))
            }
            None => (None, None),
        };

        let data = match data_target {
            Some(table) => Some(
                self.delete_data(&record, table, progress)
                    .await
                    .map_err(|e| partially(&done, e))?,
            ),
            None => None,
        };
        let pruned = match revoke_pruned {
            Some(pruned) => Some(pruned),
            None => self.prune_revocations(progress).await,
        };
        Ok(Offboarding {
            record: TenantRecord {
                status: TenantStatus::Offboarded,
                ..record
            },
            previous,
            key_deleted,
            data,
            sessions_revoked_before,
            pruned,
        })
    }

    /// Sets the status to offboarded unless it already is.
    async fn mark_offboarded(
        &self,
        record: &TenantRecord,
        progress: &dyn Progress,
    ) -> Result<(), LifecycleError> {
        let id = &record.api_key_id;
        if record.status == TenantStatus::Offboarded {
            progress.step(&format!(
                "tenant {id} is already offboarded; finishing the cleanup"
            ));
            return Ok(());
        }
        progress.step(&format!(
            "setting the registry status of {id} to offboarded"
        ));
        let update = self
            .registry
            .update_status(
                id,
                &[TenantStatus::Active, TenantStatus::Suspended],
                TenantStatus::Offboarded,
                None,
            )
            .await?;
        match update {
            StatusUpdate::Refused(current) if current.status != TenantStatus::Offboarded => {
                Err(LifecycleError::WrongState {
                    api_key_id: id.clone(),
                    status: current.status,
                    command: "offboard",
                    needs: "changed concurrently; try again",
                })
            }
            _ => Ok(()),
        }
    }

    /// Deletes a siloed tenant's table or a pooled tenant's items in `table`.
    async fn delete_data(
        &self,
        record: &TenantRecord,
        table: String,
        progress: &dyn Progress,
    ) -> Result<DataDeletion, LifecycleError> {
        let id = record.partition_key_id();
        if record.isolation == Isolation::Siloed {
            progress.step(&format!("deleting silo table {table}"));
            let existed = self.data.delete_table(&table).await?;
            return Ok(DataDeletion::SiloTable { table, existed });
        }
        progress.step(&format!(
            "deleting the items of {id} in {table} (a Query on pk)"
        ));
        let count = self.data.delete_partition(&table, id).await?;
        progress.step(&format!("deleted {count} items"));
        Ok(DataDeletion::PooledItems { table, count })
    }

    /// Revokes every session of the tenant issued before the deadline of a
    /// revocation written now; returns that deadline.
    async fn revoke_tenant(
        &self,
        revoker: &SessionRevoker,
        id: &ApiKeyId,
        progress: &dyn Progress,
    ) -> Result<(DateTime<Utc>, Pruned), LifecycleError> {
        let written = (self.now)();
        progress.step(&format!(
            "revoking sessions of {id} issued before {}",
            crate::revocation::deadline(written)
        ));
        let (before, pruned) = revoker.revoke(RevokedBy::Tenant, id, written).await?;
        for removed in &pruned.removed {
            progress.step(&format!("removed expired session revocation {removed}"));
        }
        Ok((before, pruned))
    }

    /// Until when a revocation in force refuses the tenant's new sessions,
    /// if that is still ahead. Unknown (no role configured, IAM failing)
    /// reads as none: it only informs the operator.
    async fn refused_until(&self, id: &ApiKeyId) -> Option<DateTime<Utc>> {
        let revoker = self.revoker().ok()?;
        let until = revoker
            .deadline_of(RevokedBy::Tenant, id)
            .await
            .ok()
            .flatten()?;
        (until > (self.now)()).then_some(until)
    }

    /// Removes revocations whose sessions have all expired, when the tenant
    /// role is configured. A failure here is reported, never fatal: a stale
    /// revocation only denies sessions that have expired anyway.
    pub(crate) async fn prune_revocations(&self, progress: &dyn Progress) -> Option<Pruned> {
        let revoker = self.revoker().ok()?;
        match revoker.prune(self.now()).await {
            Ok(pruned) => {
                for name in &pruned.removed {
                    progress.step(&format!("removed expired session revocation {name}"));
                }
                Some(pruned)
            }
            Err(e) => {
                progress.step(&format!(
                    "warning: could not prune expired session revocations: {e}"
                ));
                None
            }
        }
    }

    /// Removes expired session revocations from the tenant role now.
    ///
    /// # Errors
    /// Missing tenant role name, or IAM failures.
    pub async fn prune_expired_revocations(&self) -> Result<Pruned, LifecycleError> {
        self.revoker()?.prune(self.now()).await
    }

    /// One tenant, by API key ID or by name. A name shared by offboarded
    /// tenants only resolves to the most recently created one.
    ///
    /// # Errors
    /// [`LifecycleError::TenantNotFound`], [`LifecycleError::AmbiguousName`].
    pub async fn show(&self, tenant: &TenantRef) -> Result<TenantRecord, LifecycleError> {
        self.resolve(tenant).await
    }

    pub(crate) async fn resolve(&self, tenant: &TenantRef) -> Result<TenantRecord, LifecycleError> {
        let not_found = || LifecycleError::TenantNotFound(tenant.to_string());
        match tenant {
            TenantRef::Id(id) => self.registry.get(id).await?.ok_or_else(not_found),
            TenantRef::Name(name) => {
                let found = self.registry.find_by_name(name).await?;
                let mut live: Vec<&TenantRecord> = found
                    .iter()
                    .filter(|r| r.status != TenantStatus::Offboarded)
                    .collect();
                // One tenant's keys share a partition: one tenant, many keys.
                live.sort_by_key(|r| r.partition_key_id().clone());
                live.dedup_by_key(|r| r.partition_key_id().clone());
                match live.as_slice() {
                    [one] => Ok((*one).clone()),
                    [] => found
                        .into_iter()
                        .max_by_key(|r| r.created_at)
                        .ok_or_else(not_found),
                    many => Err(LifecycleError::AmbiguousName {
                        name: name.as_str().to_owned(),
                        count: many.len(),
                    }),
                }
            }
        }
    }

    /// Every tenant in the registry, oldest first.
    ///
    /// # Errors
    /// DynamoDB failures, or an item that is not a valid tenant record.
    pub async fn list(&self) -> Result<Vec<TenantRecord>, LifecycleError> {
        let mut all = self.registry.all().await?;
        all.sort_by(|a, b| (a.created_at, &a.tenant_name).cmp(&(b.created_at, &b.tenant_name)));
        Ok(all)
    }
}

fn partially(done: &[String], cause: LifecycleError) -> LifecycleError {
    LifecycleError::PartiallyApplied {
        done: done.to_vec(),
        cause: Box::new(cause),
    }
}
