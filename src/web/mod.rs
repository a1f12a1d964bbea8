//! The web app: pages for community members, rendered on the server from the
//! reads integrators use (the hub's GraphQL API, the block and log reads),
//! with small ES modules (`assets/`) for the wallet, live results and forms.
//! Pages read well with JavaScript off. This module renders; `http::pages`
//! serves what it renders, under the Content-Security-Policy given here.

mod assets;
mod charts;
mod format;
mod markdown;
mod queries;
mod views;

use crate::hub::{Hub, HubError};
use crate::reads::{ReadError, Reads};

pub use assets::asset;
pub use views::proposal::{VoteOrder, VotesView};
pub use views::space::SpaceFilter;

/// Votes per page of a proposal's votes list.
const VOTES_PER_PAGE: i64 = 20;

/// A rendered page: HTTP status and HTML.
#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub html: String,
}

/// Why a page could not be rendered.
#[derive(Debug, thiserror::Error)]
enum WebError {
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error(transparent)]
    Hub(#[from] HubError),
    #[error(transparent)]
    Read(#[from] ReadError),
}

/// The app's pages over the hub and the read service.
#[derive(Clone)]
pub struct Pages {
    hub: Hub,
    reads: Reads,
    remote_images: bool,
}

impl Pages {
    pub fn new(hub: Hub, reads: Reads) -> Pages {
        Pages {
            hub,
            reads,
            remote_images: false,
        }
    }

    /// Whether proposal bodies may show images from other origins (off by
    /// default: a remote image tells its host who read the proposal).
    pub fn with_remote_images(mut self, allow: bool) -> Pages {
        self.remote_images = allow;
        self
    }

    /// The policy every page is served under: nothing from another origin
    /// (remote images aside, when the operator allows them), no inline
    /// script or style.
    pub fn content_security_policy(&self) -> &'static str {
        if self.remote_images {
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
        } else {
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
        }
    }

    /// `/`: the spaces on this votehub.
    pub async fn front(&self) -> Page {
        self.page(async {
            let spaces = queries::spaces(&self.hub).await?;
            Ok(views::front::render(&spaces))
        })
        .await
    }

    /// `/s/{space}`: a space and its proposals.
    pub async fn space(&self, id: &str, filter: SpaceFilter) -> Page {
        self.page(async {
            let (space, proposals) = queries::space(&self.hub, id, &filter).await?;
            let space = space.ok_or(WebError::NotFound("space"))?;
            Ok(views::space::render(&space, &proposals, &filter))
        })
        .await
    }

    /// `/s/{space}/proposal/{id}`: a proposal, its vote form, live results
    /// and audit.
    pub async fn proposal(&self, space: &str, id: &str, view: VotesView) -> Page {
        self.page(async {
            let data = self.proposal_data(space, id, &view).await?;
            let audit = match &data.proposal.audit_cid {
                Some(cid) => self.audit_head(cid).await,
                None => None,
            };
            Ok(views::proposal::render(
                &data,
                &view,
                audit.as_ref(),
                self.remote_images,
            ))
        })
        .await
    }

    /// `/s/{space}/proposal/{id}/live`: the live part of a proposal page,
    /// which `live.js` swaps in as votes arrive.
    pub async fn live(&self, space: &str, id: &str, view: VotesView) -> Page {
        self.page(async {
            let data = self.proposal_data(space, id, &view).await?;
            Ok(views::proposal::live(&data, &view))
        })
        .await
    }

    /// `/u/{address}`: what an address did here.
    pub async fn profile(&self, address: &str) -> Page {
        self.page(async {
            let profile = queries::profile(&self.hub, address)
                .await
                .map_err(|_| WebError::NotFound("user"))?;
            Ok(views::profile::render(address, &profile))
        })
        .await
    }

    /// `/s/{space}/new`: the form that signs a proposal.
    pub async fn new_proposal(&self, space: &str) -> Page {
        self.page(async {
            let (space, _) = queries::space(&self.hub, space, &SpaceFilter::default()).await?;
            let space = space.ok_or(WebError::NotFound("space"))?;
            let snapshot = self.reads.default_snapshot(space.network.clone()).await?;
            Ok(views::forms::new_proposal(&space, snapshot))
        })
        .await
    }

    /// `/s/{space}/settings`: the form that signs a space's settings.
    pub async fn settings(&self, space: &str) -> Page {
        self.page(async {
            let settings = match self.reads.space_settings(space.to_string()).await {
                Err(ReadError::NotFound(_)) => return Err(WebError::NotFound("space")),
                other => other?,
            };
            Ok(views::forms::settings(space, &settings))
        })
        .await
    }

    /// `/s/{space}/court`: roles, elections, the juror pool and the cases.
    pub async fn court(&self, space: &str) -> Page {
        self.page(async {
            let view = match self.reads.court(space.to_string()).await {
                Err(ReadError::NotFound(_)) => return Err(WebError::NotFound("space")),
                other => other?,
            };
            Ok(views::court::court(&view))
        })
        .await
    }

    /// `/s/{space}/case/{id}`: a case's timeline, jury and tasks.
    pub async fn case(&self, space: &str, id: &str) -> Page {
        self.page(async {
            let view = match self.reads.case(space.to_string(), id.to_string()).await {
                Err(ReadError::NotFound(_)) => return Err(WebError::NotFound("case")),
                other => other?,
            };
            let arbitrators = self
                .reads
                .role_holders(space.to_string(), crate::jury::settings::ARBITRATOR)
                .await?;
            Ok(views::court::case(&view, &arbitrators))
        })
        .await
    }

    /// A proposal body's preview, rendered as the proposal page will.
    pub fn preview(&self, body: &str) -> String {
        markdown::render(body, self.remote_images)
    }

    /// A page for a path that names nothing.
    pub fn not_found(&self) -> Page {
        error_page(WebError::NotFound("page"))
    }

    async fn proposal_data(
        &self,
        space: &str,
        id: &str,
        view: &VotesView,
    ) -> Result<queries::ProposalData, WebError> {
        let data = queries::proposal(&self.hub, id, view).await?;
        match data {
            Some(data) if data.proposal.space.id == space => Ok(data),
            _ => Err(WebError::NotFound("proposal")),
        }
    }

    /// The log head a closed proposal's audit bundle is anchored to, read
    /// from the bundle's blocks; `None` when they are unreadable.
    async fn audit_head(&self, cid: &str) -> Option<views::proposal::AuditHead> {
        let read = |cid: String| async move {
            let block = self.reads.block(cid).await.ok()?;
            serde_json::from_slice::<serde_json::Value>(&block).ok()
        };
        // The audit CID names the relayer-signed root, which links the bundle.
        let root = read(cid.to_string()).await?;
        let bundle = read(root["bundle"]["/"].as_str()?.to_string()).await?;
        let log = bundle.get("log")?;
        let head = log
            .get("head")
            .and_then(|head| head.as_str())
            .map(String::from)
            .or_else(|| log["log_head"]["cid"].as_str().map(String::from))?;
        Some(views::proposal::AuditHead {
            head,
            mci: log
                .get("mci")
                .or(log.get("log_head").and_then(|h| h.get("mci")))
                .and_then(|mci| mci.as_i64())
                .unwrap_or_default(),
            relayer: log["relayer"].as_str().unwrap_or_default().to_string(),
            format: bundle["format"].as_str().unwrap_or_default().to_string(),
        })
    }

    async fn page(
        &self,
        render: impl std::future::Future<Output = Result<maud::Markup, WebError>>,
    ) -> Page {
        match render.await {
            Ok(markup) => Page {
                status: 200,
                html: markup.into_string(),
            },
            Err(err) => error_page(err),
        }
    }
}

/// A 404 for what is not there, a 500 that names nothing internal otherwise.
fn error_page(err: WebError) -> Page {
    let (status, title, text) = match &err {
        WebError::NotFound(what) => (
            404,
            "Not found",
            format!("There is no {what} at this address on this votehub."),
        ),
        err => {
            tracing::error!(%err, "page failed");
            (
                500,
                "Something went wrong",
                "The page could not be read. Try again in a moment.".to_string(),
            )
        }
    };
    Page {
        status,
        html: views::layout::page(
            title,
            &[],
            maud::html! {
                h1 { (title) }
                p { (text) }
                p { a href="/" { "All spaces" } }
            },
        )
        .into_string(),
    }
}
