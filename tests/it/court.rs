//! The community court end to end through HTTP with signed messages, on a
//! `votehub serve` child process whose clock runs at chosen times
//! (`--clock-offset`), killed and restarted between phases: an election
//! gives the arbitrator role and takes it back after the term; volunteers
//! form the pool; one case is settled by the respondent, one is accepted
//! late and flagged overdue, one goes to a jury drawn from a real drand
//! quicknet round, where an absent juror is replaced by an alternate.

use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use votehub::jury::seed::quicknet;
use votehub::protocol::signature::Signer;
use votehub::protocol::typed_data::Kind;

use super::helpers::{now, Server};

const SPACE: &str = "court.eth";
/// A real quicknet round (fixtures/drand/quicknet-rounds.json).
const ROUND: u64 = 30_662_982;
const DAY: i64 = 24 * 3600;

fn member(n: usize) -> Signer {
    let secret = Sha256::digest(format!("votehub court test {n}"));
    Signer::from_hex(&format!("0x{}", hex::encode(secret))).unwrap()
}

fn addr(n: usize) -> String {
    member(n).address().to_string()
}

fn round_signature(round: u64) -> String {
    let fixture: Value =
        serde_json::from_str(include_str!("../../fixtures/drand/quicknet-rounds.json")).unwrap();
    fixture["rounds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["round"] == round)
        .unwrap()["signature"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A data directory and the server running on it at some virtual time.
struct Court {
    dir: tempfile::TempDir,
    server: Option<Server>,
    offset: i64,
    agent: ureq::Agent,
}

impl Court {
    fn new() -> Court {
        let dir = tempfile::tempdir().unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_votehub"))
            .arg("--data")
            .arg(dir.path())
            .args(["space", "register", SPACE, "--controller", &addr(0)])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        Court {
            dir,
            server: None,
            offset: 0,
            agent: ureq::Agent::config_builder()
                .http_status_as_error(false)
                .build()
                .into(),
        }
    }

    /// Kills the server (SIGKILL) and starts it again with its clock at
    /// `time`; its closer looks for closed proposals and cases every 100 ms.
    fn at(&mut self, time: i64) {
        self.server = None;
        self.offset = time - now();
        let offset = self.offset.to_string();
        let config = self.dir.path().join("fast-closer.toml");
        std::fs::write(&config, "[audit]\ntick_ms = 100\n").unwrap();
        self.server = Some(Server::start(
            self.dir.path(),
            &[
                "--clock-offset",
                &offset,
                "--config",
                config.to_str().unwrap(),
            ],
        ));
    }

    fn url(&self) -> &str {
        &self.server.as_ref().unwrap().url
    }

    fn now(&self) -> i64 {
        now() + self.offset
    }

    fn send(&self, signer: usize, kind: Kind, message: Value) -> (u16, Value) {
        let message: Map<String, Value> = serde_json::from_value(message).unwrap();
        let envelope =
            votehub::protocol::client::sign(&member(signer), kind, message, self.now()).unwrap();
        self.server
            .as_ref()
            .unwrap()
            .post(&self.agent, &envelope)
            .unwrap()
    }

    fn accept(&self, signer: usize, kind: Kind, message: Value) -> String {
        let (status, reply) = self.send(signer, kind, message);
        assert_eq!(status, 200, "{kind:?}: {reply}");
        reply["id"].as_str().unwrap().to_string()
    }

    /// Signed a second later than `accept` would, so a refused copy of an
    /// accepted message is not simply a duplicate.
    fn refused(&self, signer: usize, kind: Kind, mut message: Value, description: &str) {
        if message.get("timestamp").is_none() {
            message["timestamp"] = json!(self.now() + 1);
        }
        let (status, reply) = self.send(signer, kind, message);
        assert_eq!(status, 400, "{kind:?}: {reply}");
        assert_eq!(reply["error"], "client_error");
        assert_eq!(reply["error_description"], description, "{kind:?}");
    }

    fn get(&self, path: &str) -> Value {
        let url = format!("{}{path}", self.server.as_ref().unwrap().url);
        let mut response = self.agent.get(&url).call().unwrap();
        assert_eq!(response.status().as_u16(), 200, "{path}");
        response.body_mut().read_json().unwrap()
    }

    fn case(&self, id: &str) -> Value {
        self.get(&format!("/api/court/{SPACE}/cases/{id}"))
    }
}

fn claim(respondent: usize, outcome: &str) -> Value {
    json!({
        "space": SPACE,
        "respondent": addr(respondent),
        "outcome": outcome,
        "grounds": "The milestone was invoiced but not delivered.",
        "evidence": ["bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"],
        "statement": "The code was far below the skill level advertised.",
    })
}

#[test]
fn a_full_case_from_election_to_ruling() {
    let mut court = Court::new();
    let t0 = quicknet::round_time(ROUND) - 3 * DAY;

    // Day 0: the space, its court, an arbitrator election, volunteers, claims.
    court.at(t0);
    let settings = json!({
        "name": "Court", "network": "1", "symbol": "VOTE",
        "strategies": [{"name": "ticket", "params": {}}],
        "admins": [addr(0)], "moderators": [], "members": [],
    });
    court.accept(
        0,
        Kind::Settings,
        json!({"space": SPACE, "settings": settings.to_string()}),
    );
    court.refused(
        1,
        Kind::CourtSettings,
        json!({"space": SPACE, "settings": "{}"}),
        "only a space admin can do this",
    );
    court.refused(
        0,
        Kind::CourtSettings,
        json!({"space": SPACE, "settings": r#"{"jury_days":0}"#}),
        "invalid court settings: jury_days must be between 1 and 60",
    );
    court.accept(
        0,
        Kind::CourtSettings,
        json!({"space": SPACE, "settings": r#"{"alternates":2,"jury_days":7}"#}),
    );
    let start = court.now();
    let proposal = court.accept(
        0,
        Kind::Proposal,
        json!({
            "space": SPACE, "type": "ranked-choice", "title": "Elect a Jury Arbitrator",
            "body": "Six months.", "choices": [addr(3), addr(4)],
            "start": start - 10, "end": start + 120, "snapshot": 1,
        }),
    );
    let term = 182 * DAY;
    court.refused(
        0,
        Kind::Election,
        json!({"space": SPACE, "proposal": proposal, "role": "arbitrator", "seats": 1, "term": 30 * DAY}),
        &format!("the term of role arbitrator is {term} seconds, not {}", 30 * DAY),
    );
    court.accept(
        0,
        Kind::Election,
        json!({"space": SPACE, "proposal": proposal, "role": "arbitrator", "seats": 1, "term": term}),
    );
    court.refused(
        0,
        Kind::Election,
        json!({"space": SPACE, "proposal": proposal, "role": "arbitrator", "seats": 2, "term": term}),
        "proposal already elects a role",
    );
    court.refused(
        0,
        Kind::DeleteProposal,
        json!({"space": SPACE, "proposal": proposal}),
        "a proposal that elects a role cannot be changed or deleted",
    );
    for (voter, choice) in [(5, [1, 2]), (6, [1, 2]), (7, [2, 1])] {
        court.accept(
            voter,
            Kind::VoteArray,
            json!({"space": SPACE, "proposal": proposal, "choice": choice}),
        );
    }
    for volunteer in 5..=15 {
        court.accept(volunteer, Kind::Volunteer, json!({"space": SPACE}));
    }
    // `votehub sign` signs the court's kinds under votehub's domain.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_votehub"))
        .args(["sign", "volunteer", "--key", &member(16).secret_hex()])
        .arg(json!({"space": SPACE, "timestamp": court.now()}).to_string())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let envelope: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        envelope["data"]["domain"],
        json!({"name": "votehub", "version": "1"})
    );
    let (status, reply) = court
        .server
        .as_ref()
        .unwrap()
        .post(&court.agent, &envelope)
        .unwrap();
    assert_eq!(status, 200, "{reply}");
    court.accept(16, Kind::Withdraw, json!({"space": SPACE}));
    court.refused(
        16,
        Kind::Withdraw,
        json!({"space": SPACE}),
        "not a volunteer",
    );
    court.refused(
        1,
        Kind::Claim,
        claim(1, "x"),
        "the respondent cannot be the claimant",
    );
    let jury_case = court.accept(1, Kind::Claim, claim(2, "Refund 500 BTRST"));
    let settled_case = court.accept(1, Kind::Claim, claim(2, "Refund 100 BTRST"));
    let late_case = court.accept(1, Kind::Claim, claim(2, "Refund 50 BTRST"));
    // Nobody holds the role while the election is open.
    court.refused(
        3,
        Kind::AcceptCase,
        json!({"space": SPACE, "case": jury_case}),
        "not an arbitrator of this space",
    );

    // Minutes later (the election closed): the winner accepts, the loser cannot.
    court.at(t0 + 200);
    let view = court.get(&format!("/api/court/{SPACE}"));
    assert_eq!(view["format"], "votehub-court/1");
    let roles = view["roles"].as_array().unwrap();
    assert_eq!(roles.len(), 1, "{view}");
    assert_eq!(roles[0]["holder"], addr(3));
    assert_eq!(roles[0]["role"], "arbitrator");
    assert_eq!(roles[0]["since"], start + 120);
    assert_eq!(roles[0]["until"], start + 120 + term);
    assert_eq!(roles[0]["proposal"], proposal);
    assert_eq!(roles[0]["active"], true);
    assert_eq!(view["pool"].as_array().unwrap().len(), 11, "16 withdrew");
    assert_eq!(view["settings"]["alternates"], 2);
    court.refused(
        4,
        Kind::AcceptCase,
        json!({"space": SPACE, "case": jury_case}),
        "not an arbitrator of this space",
    );
    court.accept(
        3,
        Kind::AcceptCase,
        json!({"space": SPACE, "case": jury_case}),
    );
    court.refused(
        3,
        Kind::AcceptCase,
        json!({"space": SPACE, "case": jury_case}),
        "case already accepted",
    );
    court.accept(
        3,
        Kind::AcceptCase,
        json!({"space": SPACE, "case": settled_case}),
    );
    court.accept(
        2,
        Kind::Answer,
        json!({"space": SPACE, "case": settled_case, "response": "settle", "counterclaim": "", "evidence": [], "statement": ""}),
    );
    let settled = court.case(&settled_case);
    assert_eq!(settled["stage"], "settled");
    assert_eq!(settled["settled"]["terms"], "Refund 100 BTRST");
    assert_eq!(settled["overdue"], false);
    court.refused(
        1,
        Kind::Answer,
        json!({"space": SPACE, "case": jury_case, "response": "counterclaim", "counterclaim": "no", "evidence": [], "statement": ""}),
        "only the respondent can answer",
    );
    court.accept(
        2,
        Kind::Answer,
        json!({"space": SPACE, "case": jury_case, "response": "counterclaim",
            "counterclaim": "Delivered on time; the client changed the scope.", "evidence": [], "statement": ""}),
    );
    assert_eq!(court.case(&jury_case)["stage"], "impasse");
    // The arbitrator publishes the pool and commits to a future drand round.
    let pool = court.get(&format!("/api/court/{SPACE}/cases/{jury_case}/pool"));
    assert_eq!(pool["published"], false);
    assert_eq!(pool["size"], 11);
    let open = |seed: String, pool_hash: &Value| {
        json!({"space": SPACE, "case": jury_case,
            "statements": ["The code was far below the skill level advertised."],
            "block": 0, "pool": pool_hash, "seed": seed})
    };
    let out_already = quicknet::round_at(court.now());
    court.refused(
        3,
        Kind::OpenJury,
        open(format!("drand-quicknet:{out_already}"), &pool["hash"]),
        &format!(
            "the randomness source must not exist yet: quicknet round {out_already} is already out"
        ),
    );
    let wrong_pool = json!(format!("0x{}", "00".repeat(32)));
    court.refused(
        3,
        Kind::OpenJury,
        open(format!("drand-quicknet:{ROUND}"), &wrong_pool),
        &format!(
            "pool does not match: expected {}",
            pool["hash"].as_str().unwrap()
        ),
    );
    court.refused(
        4,
        Kind::OpenJury,
        open(format!("drand-quicknet:{ROUND}"), &pool["hash"]),
        "only the case's arbitrator can do this",
    );
    court.accept(
        3,
        Kind::OpenJury,
        open(format!("drand-quicknet:{ROUND}"), &pool["hash"]),
    );
    court.refused(
        3,
        Kind::Randomness,
        json!({"space": SPACE, "case": jury_case, "value": round_signature(ROUND)}),
        &format!(
            "randomness not available yet: quicknet round {ROUND} is due at {}",
            quicknet::round_time(ROUND)
        ),
    );
    let published = court.get(&format!("/api/court/{SPACE}/cases/{jury_case}/pool"));
    assert_eq!(published["published"], true);
    assert_eq!(published["hash"], pool["hash"]);

    // Two days on: the third claim was never accepted within 36 hours.
    court.at(t0 + 2 * DAY);
    let late = court.case(&late_case);
    assert_eq!(
        (late["stage"].as_str(), late["overdue"].as_bool()),
        (Some("filed"), Some(true))
    );
    court.accept(
        3,
        Kind::AcceptCase,
        json!({"space": SPACE, "case": late_case}),
    );
    let late = court.case(&late_case);
    assert_eq!(
        (late["stage"].as_str(), late["overdue"].as_bool()),
        (Some("accepted"), Some(true))
    );
    assert_eq!(court.case(&settled_case)["overdue"], false);

    // The round is out: a signature of another round is refused, the real one draws.
    court.at(quicknet::round_time(ROUND) + 30);
    court.refused(
        5,
        Kind::Randomness,
        json!({"space": SPACE, "case": jury_case, "value": round_signature(30_662_990)}),
        &format!("wrong randomness: round {ROUND}'s signature does not verify against the quicknet group key"),
    );
    court.accept(
        5,
        Kind::Randomness,
        json!({"space": SPACE, "case": jury_case, "value": round_signature(ROUND)}),
    );
    let case = court.case(&jury_case);
    assert_eq!(case["format"], "votehub-case/1");
    assert_eq!(case["stage"], "voting");
    let draw = &case["draw"];
    let randomness: [u8; 32] = Sha256::digest(hex::decode(round_signature(ROUND)).unwrap()).into();
    assert_eq!(draw["seed"], format!("0x{}", hex::encode(randomness)));
    // Anyone re-runs the draw from the published pool, seed and case id.
    let csv = court.dir.path().join("pool.csv");
    std::fs::write(&csv, published["csv"].as_str().unwrap()).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_votehub"))
        .args(["jury", "draw", "--pool"])
        .arg(&csv)
        .args([
            "--seed",
            draw["seed"].as_str().unwrap(),
            "--case",
            &jury_case,
            "--seats",
            "5",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let redrawn: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    let lower = |list: &Value| -> Vec<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_lowercase())
            .collect()
    };
    let jurors = lower(&draw["jurors"]);
    let alternates = lower(&draw["alternates"]);
    assert_eq!(jurors.len(), 3);
    assert_eq!(alternates.len(), 2, "the space asks for two alternates");
    assert_eq!(redrawn, [jurors.clone(), alternates.clone()].concat());
    let panel = lower(&draw["panels"][0]);
    assert_eq!(panel.len(), 3);
    for party in [1, 2, 3] {
        let party = addr(party).to_lowercase();
        assert!(
            !jurors.contains(&party) && !alternates.contains(&party) && !panel.contains(&party)
        );
    }
    assert!(panel
        .iter()
        .all(|p| !jurors.contains(p) && !alternates.contains(p)));
    let index_of = |address: &str| {
        (5..=15)
            .find(|n| addr(*n).to_lowercase() == address)
            .unwrap()
    };
    // The eyewitnesses judge the statement.
    for (n, verdict) in panel
        .iter()
        .zip(["unreasonable", "unreasonable", "reasonable"])
    {
        court.accept(
            index_of(n),
            Kind::Judgement,
            json!({"space": SPACE, "case": jury_case, "statement": 0, "judgement": verdict, "note": ""}),
        );
    }
    court.refused(
        index_of(&jurors[0]),
        Kind::Judgement,
        json!({"space": SPACE, "case": jury_case, "statement": 0, "judgement": "reasonable", "note": ""}),
        "not on the panel of this statement",
    );
    let ballot = |decision: &str, outcome: &str| json!({"space": SPACE, "case": jury_case, "decision": decision, "outcome": outcome});
    court.accept(index_of(&jurors[0]), Kind::Ballot, ballot("claimant", ""));
    court.accept(
        index_of(&jurors[2]),
        Kind::Ballot,
        ballot("partial", "Refund 250 BTRST"),
    );
    court.refused(
        index_of(&alternates[0]),
        Kind::Ballot,
        ballot("claimant", ""),
        "not a juror of this case now",
    );
    let drawn_at = court.case(&jury_case)["draw"]["at"].as_i64().unwrap();

    // A week later juror 2 has not voted: the first alternate takes the seat.
    court.at(drawn_at + 7 * DAY + 10);
    court.refused(
        index_of(&jurors[1]),
        Kind::Ballot,
        ballot("respondent", ""),
        "not a juror of this case now",
    );
    let case = court.case(&jury_case);
    assert_eq!(
        case["seating"]["seats"][1]["tenures"][1]["holder"]
            .as_str()
            .unwrap()
            .to_lowercase(),
        alternates[0]
    );
    assert_eq!(case["stage"], "voting");
    court.accept(
        index_of(&alternates[0]),
        Kind::Ballot,
        ballot("claimant", ""),
    );
    let case = court.case(&jury_case);
    assert_eq!(case["stage"], "ruled");
    assert_eq!(case["ruling"]["decision"], "claimant");
    assert_eq!(case["judgements"].as_array().unwrap().len(), 3);
    assert_eq!(case["ballots"].as_array().unwrap().len(), 3);
    let kinds: Vec<&str> = case["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "claim",
            "accept-case",
            "answer",
            "open-jury",
            "randomness",
            "judgement",
            "judgement",
            "judgement",
            "ballot",
            "ballot",
            "ballot"
        ]
    );
    court.refused(
        index_of(&jurors[2]),
        Kind::Settle,
        json!({"space": SPACE, "case": jury_case, "terms": "x"}),
        "case closed",
    );
    // Every message is a stored block under its CID, served back as signed.
    let first = &case["messages"][0];
    let block = court.get(&format!("/api/messages/{}", first["id"].as_str().unwrap()));
    assert_eq!(block["ipfs"], first["ipfs"]);
    // The closed case gets its bundle, which re-derives from its CID alone.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let root = loop {
        if let Some(root) = court.case(&jury_case)["audit_cid"].as_str() {
            break root.to_string();
        }
        assert!(std::time::Instant::now() < deadline, "no case bundle");
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    check_case_bundle(&court, &root, &jury_case);
    // `votehub jury case` shows it from the store.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_votehub"))
        .arg("--data")
        .arg(court.dir.path())
        .args(["jury", "case", "--space", SPACE, &jury_case])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert!(text.contains("stage      ruled"), "{text}");
    assert!(text.contains(&format!("bundle     {root}")), "{text}");
    assert!(
        text.contains(r#"ruling     {"majority":true,"decision":"claimant""#),
        "{text}"
    );
    assert!(court.case(&settled_case)["audit_cid"].is_string());

    // The hub's GraphQL API answers the same, as votehub's extra root fields.
    let mut reply = court
        .agent
        .post(&format!("{}/graphql", court.url()))
        .header("Content-Type", "application/json")
        .send(
            json!({"query": format!(
                r#"{{ court(space: "{SPACE}") case(space: "{SPACE}", id: "{jury_case}") nothing: case(space: "{SPACE}", id: "0x00") }}"#
            )})
            .to_string(),
        )
        .unwrap();
    let graphql: Value = reply.body_mut().read_json().unwrap();
    let http = court.case(&jury_case);
    for key in [
        "stage",
        "ruling",
        "draw",
        "ballots",
        "messages",
        "audit_cid",
    ] {
        assert_eq!(graphql["data"]["case"][key], http[key], "{key}: {graphql}");
    }
    assert_eq!(graphql["data"]["court"]["format"], "votehub-court/1");
    assert_eq!(graphql["data"]["nothing"], Value::Null);

    // Past the term, the arbitrator's role has lapsed by itself.
    court.at(start + 120 + term + 10);
    let view = court.get(&format!("/api/court/{SPACE}"));
    assert_eq!(view["roles"][0]["active"], false);
    let next = court.accept(1, Kind::Claim, claim(2, "Refund 10 BTRST"));
    court.refused(
        3,
        Kind::AcceptCase,
        json!({"space": SPACE, "case": next}),
        "not an arbitrator of this space",
    );
    // The volunteers' year is not over yet; the cases are listed newest first.
    assert_eq!(view["pool"].as_array().unwrap().len(), 11);
    let cases = court.get(&format!("/api/court/{SPACE}"))["cases"].clone();
    assert_eq!(cases[0]["id"], next);
    assert_eq!(cases.as_array().unwrap().len(), 4);
}

/// The bundle verifies (signatures, rules, pool, drand, draw, seats,
/// ruling, the arbitrator's election and its own bundle); every kind of
/// tampering, re-signed with the relayer's own key, is named.
fn check_case_bundle(court: &Court, root: &str, case: &str) {
    use votehub::ipld::{dag_json_block, link, link_target};
    use votehub::verify::{verify, Options};
    let relayer = votehub::app::relayer_key::load_or_create(court.dir.path()).unwrap();
    let options = Options {
        relayer: Some(relayer.address()),
        threads: 2,
        ..Options::default()
    };
    let blocks = votehub::ipfs::car_from_gateway(court.url(), root).unwrap();
    let report = verify(&blocks, root, &options);
    assert!(report.ok(), "{}", report.render());
    assert_eq!(report.case.as_deref(), Some(case));
    assert_eq!(report.case_messages, 11);
    assert!(
        report.signatures >= 11 + 1 + 3,
        "the election and its votes too"
    );
    assert!(
        report.render().contains("OK: the outcome re-derives"),
        "{}",
        report.render()
    );
    // The real CLI, from the server as a gateway.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_votehub"))
        .args(["verify", root, "--gateway", court.url(), "--relayer"])
        .arg(relayer.address().to_string())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains(&format!("case     {case}")), "{text}");

    let read = super::audit::read;
    let root_block = read(&blocks, root);
    let body_cid = link_target(&root_block["bundle"]).unwrap().to_string();
    let forged = |edit: &dyn Fn(&mut votehub::ipld::source::Blocks, &mut Value)| {
        let mut blocks = blocks.clone();
        let mut body = read(&blocks, &body_cid);
        edit(&mut blocks, &mut body);
        let (cid, bytes) = dag_json_block(&body);
        blocks.insert(cid::Cid::try_from(cid.as_str()).unwrap(), bytes);
        let new_root = json!({
            "format": root_block["format"], "bundle": link(&cid), "case": case,
            "space": SPACE, "relayer": relayer.address().to_string(),
            "signature": relayer.personal_sign(&votehub::format::case::statement(case, &cid)),
        });
        let (root, bytes) = dag_json_block(&new_root);
        blocks.insert(cid::Cid::try_from(root.as_str()).unwrap(), bytes);
        verify(&blocks, &root, &options)
    };
    let caught = |report: votehub::verify::Report, needle: &str| {
        super::audit::assert_caught(&report, needle);
    };
    // The pool: one more volunteer in the published CSV.
    caught(
        forged(&|blocks, body| {
            let pool = link_target(&body["jury"]["pool"]).unwrap().to_string();
            let mut csv = String::from_utf8(
                votehub::ipld::source::BlockSource::get(
                    blocks,
                    &cid::Cid::try_from(pool.as_str()).unwrap(),
                )
                .unwrap()
                .to_vec(),
            )
            .unwrap();
            csv.push_str("0x00000000000000000000000000000000000000ff,1\n");
            let cid = votehub::ipld::raw_cid(csv.as_bytes());
            blocks.insert(cid::Cid::try_from(cid.as_str()).unwrap(), csv.into_bytes());
            body["jury"]["pool"] = link(&cid);
        }),
        "breaks the case's rules: pool does not match",
    );
    // A ballot: the decision changed under the juror's signature.
    caught(
        forged(&|blocks, body| {
            let last = body["messages"].as_array().unwrap().len() - 1;
            let cid = link_target(&body["messages"][last]["envelope"])
                .unwrap()
                .to_string();
            let mut envelope = read(blocks, &cid);
            envelope["data"]["message"]["decision"] = json!("respondent");
            let bytes = envelope.to_string().into_bytes();
            let cid = votehub::ipld::raw_cid(&bytes);
            blocks.insert(cid::Cid::try_from(cid.as_str()).unwrap(), bytes);
            body["messages"][last]["envelope"] = link(&cid);
        }),
        "its EIP-712 digest is",
    );
    // The seed (and so the draw) claimed by the bundle.
    caught(
        forged(&|_, body| {
            body["outcome"]["draw"]["seed"] = json!(format!("0x{}", "11".repeat(32)));
        }),
        "the case's draw does not re-derive",
    );
    caught(
        forged(&|_, body| {
            let jurors = body["outcome"]["draw"]["jurors"].as_array_mut().unwrap();
            jurors.swap(0, 1);
        }),
        "the case's draw does not re-derive",
    );
    // The order: the answer before the acceptance.
    caught(
        forged(&|_, body| {
            body["messages"].as_array_mut().unwrap().swap(1, 2);
        }),
        "breaks the case's rules: case not accepted yet",
    );
    // A receipt time moved past the jurors' deadline.
    caught(
        forged(&|_, body| {
            let last = body["messages"].as_array().unwrap().len() - 1;
            body["messages"][last]["received"] = json!(i64::MAX / 4);
        }),
        "breaks the case's rules",
    );
    // The ruling claimed.
    caught(
        forged(&|_, body| {
            body["outcome"]["ruling"]["decision"] = json!("respondent");
        }),
        "the case's ruling does not re-derive",
    );
}
