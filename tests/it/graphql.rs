//! Snapshot's hub GraphQL API (`/graphql`), written from the hub's schema
//! and documentation: a populated server answers as hub.snapshot.org would,
//! field by field, with the hub's defaults, orderings, limits and errors.

use serde_json::{json, Value};
use votehub::protocol::typed_data::Kind;

use super::helpers::{address, spawn_app, ticket_settings, TestApp, SPACE};

/// `POST /graphql` with `{query, variables}`; returns the whole reply.
fn graphql(app: &TestApp, query: &str, variables: Value) -> (u16, Value) {
    app.post_to("/graphql", &json!({"query": query, "variables": variables}))
}

/// The `data` of a query that must succeed.
fn data(app: &TestApp, query: &str, variables: Value) -> Value {
    let (status, reply) = graphql(app, query, variables);
    assert_eq!(status, 200, "{reply}");
    assert!(reply.get("errors").is_none(), "{reply}");
    reply["data"].clone()
}

/// An object's keys, in the reply's order.
fn keys(object: &Value) -> Vec<&str> {
    object
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect()
}

/// The first error message of a query that must fail.
fn error(app: &TestApp, query: &str, variables: Value) -> String {
    let (_, reply) = graphql(app, query, variables);
    reply["errors"][0]["message"]
        .as_str()
        .unwrap_or_else(|| panic!("no error in {reply}"))
        .to_string()
}

/// A ticket space with a basic and a single-choice proposal, votes (one a
/// revote), a follow, a profile and a statement.
pub fn populated() -> (TestApp, String, String) {
    let app = spawn_app();
    app.ticket_space();
    let basic = app.open_proposal("basic", 3);
    let single = app.open_proposal("single-choice", 2);
    for voter in 1..=3 {
        app.accept(
            voter,
            Kind::Vote,
            json!({"space": SPACE, "proposal": basic, "choice": 1 + (voter as u64 % 2)}),
        );
    }
    std::thread::sleep(std::time::Duration::from_millis(1100));
    app.accept(
        1,
        Kind::Vote,
        json!({"space": SPACE, "proposal": basic, "choice": 3, "reason": "changed my mind"}),
    );
    app.accept(
        2,
        Kind::Vote,
        json!({"space": SPACE, "proposal": single, "choice": 1}),
    );
    app.accept(4, Kind::Follow, json!({"space": SPACE}));
    app.accept(
        4,
        Kind::Profile,
        json!({"profile": "{\"name\":\"Ada\",\"about\":\"votes\"}"}),
    );
    app.accept(
        4,
        Kind::Statement,
        json!({"space": SPACE, "about": "delegate", "statement": "I vote often", "discourse": "", "status": "ACTIVE", "network": "s"}),
    );
    (app, basic, single)
}

#[test]
fn a_space_reads_with_the_hubs_defaults() {
    let (app, _, _) = populated();
    let space = &data(
        &app,
        "query Space($id: String!) { space(id: $id) { id name private about avatar network symbol
           strategies { name network params } admins members moderators filters { minScore onlyMembers }
           plugins voting { delay period type quorum quorumType blind hideAbstain privacy aliased }
           validation { name params } voteValidation { name params } treasuries { name } labels { id }
           proposalsCount activeProposals followersCount votesCount verified flagged flagCode turbo
           boost { enabled bribeEnabled } skinSettings { bg_color } domain parent { id } children { id } created } }",
        json!({"id": SPACE}),
    )["space"];
    assert_eq!(space["id"], SPACE);
    assert_eq!(space["name"], "Test space");
    assert_eq!(space["private"], false);
    assert_eq!(space["about"], "");
    // A strategy without its own network takes the space's.
    assert_eq!(
        space["strategies"],
        json!([{"name": "ticket", "network": "1", "params": {}}])
    );
    assert_eq!(space["admins"], json!([address(0)]));
    assert_eq!(space["members"], json!([]));
    assert_eq!(
        space["filters"],
        json!({"minScore": 0.0, "onlyMembers": false})
    );
    assert_eq!(space["plugins"], json!({}));
    assert_eq!(
        space["voting"],
        json!({"delay": null, "period": null, "type": null, "quorum": null, "quorumType": "default",
               "blind": false, "hideAbstain": false, "privacy": "", "aliased": false})
    );
    assert_eq!(space["validation"], json!({"name": "any", "params": {}}));
    assert_eq!(
        space["voteValidation"],
        json!({"name": "any", "params": {}})
    );
    assert_eq!(space["treasuries"], json!([]));
    assert_eq!(space["labels"], json!([]));
    assert_eq!(space["proposalsCount"], 2);
    assert_eq!(space["activeProposals"], 2);
    assert_eq!(space["followersCount"], 1);
    assert_eq!(space["votesCount"], 4);
    assert_eq!(
        (
            &space["verified"],
            &space["flagged"],
            &space["flagCode"],
            &space["turbo"]
        ),
        (&json!(false), &json!(false), &json!(0), &json!(false))
    );
    assert_eq!(
        space["boost"],
        json!({"enabled": true, "bribeEnabled": false})
    );
    assert_eq!(space["domain"], "");
    assert_eq!(space["parent"], Value::Null);
    assert_eq!(space["children"], json!([]));
    assert!(space["created"].as_i64().unwrap() > 1_700_000_000);
    // An unknown space is null, not an error.
    assert_eq!(
        data(&app, "{ space(id: \"nope.eth\") { id } }", json!({}))["space"],
        Value::Null
    );
}

#[test]
fn only_min_score_makes_the_validation_basic() {
    let app = spawn_app();
    let mut settings = ticket_settings();
    settings["filters"] = json!({"minScore": 2.5});
    app.create_space(SPACE, settings);
    let validation = &data(
        &app,
        "{ space(id: \"test.eth\") { validation { name params } } }",
        json!({}),
    )["space"]["validation"];
    assert_eq!(validation["name"], "basic");
    assert_eq!(validation["params"]["minScore"], 2.5);
    assert_eq!(
        validation["params"]["strategies"],
        json!([{"name": "ticket", "network": "1", "params": {}}])
    );
}

#[test]
fn proposals_and_votes_page_filter_and_order_as_the_hub_does() {
    let (app, basic, single) = populated();
    let proposals = &data(
        &app,
        "query P($first: Int, $skip: Int, $space: String) {
           proposals(first: $first, skip: $skip, where: {space_in: [$space], state: \"all\", title_contains: \"\", flagged: false}) {
             id type state scores scores_total scores_state votes quorumType privacy flagged app link
             strategies { network } space { id name } } }",
        // `first` and `skip` declared nullable and omitted: the defaults apply.
        json!({"space": SPACE}),
    )["proposals"];
    let ids: Vec<&str> = proposals
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    // Newest first; the two were made in the same second, then by id.
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&basic.as_str()) && ids.contains(&single.as_str()));
    let basic_row = proposals
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == basic.as_str())
        .unwrap();
    assert_eq!(basic_row["type"], "basic");
    assert_eq!(basic_row["state"], "active");
    assert_eq!(basic_row["votes"], 3);
    assert_eq!(basic_row["scores"], json!([1.0, 1.0, 1.0]));
    assert_eq!(basic_row["scores_total"], 3.0);
    assert_eq!(basic_row["scores_state"], "pending");
    assert_eq!(basic_row["quorumType"], "default");
    assert_eq!(basic_row["privacy"], "");
    assert_eq!(basic_row["flagged"], false);
    assert_eq!(basic_row["strategies"], json!([{"network": "1"}]));
    assert_eq!(
        basic_row["space"],
        json!({"id": SPACE, "name": "Test space"})
    );
    assert_eq!(
        basic_row["link"],
        format!("https://snapshot.box/#/s:{SPACE}/proposal/{basic}")
    );

    // Votes by power then id, the revote counted once, with its reason.
    let votes = &data(
        &app,
        "query V($id: String!, $first: Int, $orderBy: String, $orderDirection: OrderDirection) {
           votes(first: $first, where: {proposal: $id, vp_gt: 0}, orderBy: $orderBy, orderDirection: $orderDirection) {
             id voter created choice reason vp vp_by_strategy vp_state space { id } proposal { id } } }",
        json!({"id": basic, "orderBy": "vp", "orderDirection": "asc", "ignored": true}),
    )["votes"];
    let votes = votes.as_array().unwrap();
    assert_eq!(votes.len(), 3);
    let mut ids: Vec<&str> = votes.iter().map(|v| v["id"].as_str().unwrap()).collect();
    let sorted = {
        let mut sorted = ids.clone();
        sorted.sort();
        sorted
    };
    assert_eq!(ids, sorted, "equal powers are ordered by id");
    ids.dedup();
    let first = votes
        .iter()
        .find(|v| v["voter"] == address(1).as_str())
        .unwrap();
    assert_eq!(first["choice"], 3);
    assert_eq!(first["reason"], "changed my mind");
    assert_eq!(first["vp"], 1.0);
    assert_eq!(first["vp_by_strategy"], json!([1.0]));
    assert_eq!(first["vp_state"], "final");
    assert_eq!(first["proposal"]["id"], basic.as_str());
    // A voter filter takes any case and checksums it.
    let mine = &data(
        &app,
        "query($voter: String) { votes(where: {voter: $voter}) { proposal { id } } }",
        json!({"voter": address(2).to_lowercase()}),
    )["votes"];
    assert_eq!(mine.as_array().unwrap().len(), 2);
    // A bare string for a [String] variable is a list of one.
    let follows = &data(
        &app,
        "query($follower_in: [String]) { follows(where: {follower_in: $follower_in}) { follower space { id } network } }",
        json!({"follower_in": address(4)}),
    )["follows"];
    assert_eq!(
        follows,
        &json!([{"follower": address(4), "space": {"id": SPACE}, "network": "s"}])
    );
}

#[test]
fn users_statements_and_roles_read_as_the_hub_gives_them() {
    let (app, _, _) = populated();
    let user = &data(
        &app,
        "query($id: String!) { user(id: $id) { id name about votesCount proposalsCount lastVote } }",
        json!({"id": address(4)}),
    )["user"];
    assert_eq!(user["name"], "Ada");
    assert_eq!(user["votesCount"], 0);
    // An address that never signed a profile is a stub, not null.
    let stranger = "0x000000000000000000000000000000000000dEaD".to_string();
    let stub = &data(
        &app,
        "query($id: String!) { user(id: $id) { id name } }",
        json!({"id": stranger.to_lowercase()}),
    )["user"];
    assert_eq!(stub, &json!({"id": stranger, "name": null}));
    let users = &data(
        &app,
        "query($addresses: [String]) { users(where: {id_in: $addresses}) { id name } }",
        json!({"addresses": [address(4), stranger]}),
    )["users"];
    assert_eq!(users.as_array().unwrap().len(), 2);
    assert_eq!(
        error(&app, "{ user(id: \"nope\") { id } }", json!({})),
        "Invalid address"
    );
    let statements = &data(
        &app,
        "query($space: String) { statements(where: {space: $space, delegate_in: [\"0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65\"]}) { delegate about statement status network } }",
        json!({"space": SPACE}),
    )["statements"];
    assert_eq!(statements[0]["statement"], "I vote often");
    let roles = &data(
        &app,
        "query($address: String!) { roles(where: {address: $address}) { space permissions } }",
        json!({"address": address(2)}),
    )["roles"];
    assert_eq!(
        roles,
        &json!([{"space": SPACE, "permissions": ["moderator"]}])
    );
}

#[test]
fn limits_and_bad_arguments_answer_the_hubs_errors() {
    let app = spawn_app();
    app.ticket_space();
    assert_eq!(
        error(&app, "{ votes(first: 1001) { id } }", json!({})),
        "The `first` argument must not be greater than 1000"
    );
    assert_eq!(
        error(&app, "{ votes(skip: 5001) { id } }", json!({})),
        "The `skip` argument must not be greater than 5000"
    );
    assert_eq!(
        error(&app, "{ proposals(first: -1) { id } }", json!({})),
        "The `first` argument must be positive"
    );
    let many: Vec<String> = (0..101).map(|i| format!("p{i}")).collect();
    assert_eq!(
        error(
            &app,
            "query($ids: [String]) { votes(where: {proposal_in: $ids}) { id } }",
            json!({"ids": many})
        ),
        "The `proposal_in` argument must not be greater than 100"
    );
    assert_eq!(
        error(
            &app,
            "{ votes(where: {voter: \"0x12\"}) { id } }",
            json!({})
        ),
        "Invalid addresses in voter"
    );
    // An empty _in list matches nothing.
    assert_eq!(
        data(&app, "{ spaces(where: {id_in: []}) { id } }", json!({}))["spaces"],
        json!([])
    );
    // More than five root fields in one operation.
    let six = "{ a: spaces { id } b: spaces { id } c: spaces { id } d: spaces { id } e: spaces { id } f: spaces { id } }";
    assert!(error(&app, six, json!({})).contains("Query count limit of 5 exceeded"));
    // Deeper than the hub's depth limit.
    let deep = "{ votes { proposal { space { parent { parent { parent { id } } } } } } }";
    assert_eq!(error(&app, deep, json!({})), "Query is nested too deep.");
}

#[test]
fn introspection_tools_and_browsers_are_served() {
    let app = spawn_app();
    // The standard introspection query is deeper than 5 levels.
    let introspection = "query IntrospectionQuery { __schema { queryType { name } types { kind name fields(includeDeprecated: true) { name args { name type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } } } }";
    let schema = &data(&app, introspection, json!({}))["__schema"];
    assert_eq!(schema["queryType"]["name"], "Query");
    // GET with ?query= for tools, GraphiQL for a browser.
    let (status, reply) = app.get("/graphql?query=%7Bspaces%7Bid%7D%7D");
    assert_eq!(status, 200);
    assert_eq!(reply, json!({"data": {"spaces": []}}));
}

/// votehub's schema, as SDL.
fn our_sdl() -> String {
    let dir = tempfile::tempdir().unwrap();
    let store = votehub::store::Store::open(&dir.path().join("votehub.sqlite")).unwrap();
    let writer = votehub::store::writer::Writer::spawn(&store, 1).unwrap();
    let reads = votehub::reads::Reads::new(store, writer, votehub::chain::Chains::default(), 0);
    votehub::hub::Hub::new(reads).sdl()
}

/// Every type of a schema: its kind, and per field or input value the type
/// and default as SDL writes them (arguments as `field(arg)`).
fn shape(sdl: &str) -> std::collections::BTreeMap<String, (String, Vec<(String, String)>)> {
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
    let document = async_graphql::parser::parse_schema(sdl).unwrap();
    let input = |v: &async_graphql::parser::types::InputValueDefinition| {
        let default = v
            .default_value
            .as_ref()
            .map(|d| format!(" = {}", d.node))
            .unwrap_or_default();
        format!("{}{default}", v.ty.node)
    };
    let mut types = std::collections::BTreeMap::new();
    for definition in document.definitions {
        let TypeSystemDefinition::Type(ty) = definition else {
            continue;
        };
        let ty = ty.node;
        let (kind, members) = match ty.kind {
            TypeKind::Scalar => ("scalar", Vec::new()),
            TypeKind::Object(object) => (
                "type",
                object
                    .fields
                    .iter()
                    .flat_map(|f| {
                        let field = f.node.name.node.to_string();
                        std::iter::once((field.clone(), f.node.ty.node.to_string())).chain(
                            f.node.arguments.iter().map(move |a| {
                                (format!("{field}({})", a.node.name.node), input(&a.node))
                            }),
                        )
                    })
                    .collect(),
            ),
            TypeKind::InputObject(object) => (
                "input",
                object
                    .fields
                    .iter()
                    .map(|f| (f.node.name.node.to_string(), input(&f.node)))
                    .collect(),
            ),
            TypeKind::Enum(e) => (
                "enum",
                e.values
                    .iter()
                    .map(|v| (v.node.value.node.to_string(), String::new()))
                    .collect(),
            ),
            _ => ("other", Vec::new()),
        };
        types.insert(ty.name.node.to_string(), (kind.to_string(), members));
    }
    types
}

/// Whether an output type `ours` may stand where the hub declares `hub`:
/// the same shape, non-null wherever the hub's is (non-null where the hub
/// allows null is GraphQL's safe change for clients).
fn narrows(ours: &str, hub: &str) -> bool {
    use async_graphql::parser::types::{BaseType, Type};
    fn fits(ours: &Type, hub: &Type) -> bool {
        (hub.nullable || !ours.nullable)
            && match (&ours.base, &hub.base) {
                (BaseType::Named(a), BaseType::Named(b)) => a == b,
                (BaseType::List(a), BaseType::List(b)) => fits(a, b),
                _ => false,
            }
    }
    match (Type::new(ours), Type::new(hub)) {
        (Some(ours), Some(hub)) => fits(&ours, &hub),
        _ => false,
    }
}

/// The hub's SDL (the team's reference copy, beside the project on a
/// developer's machine): every type, field, argument, input field and enum
/// value it declares is here; arguments and inputs with the same type,
/// nullability and default, output fields with the same type, non-null at
/// least where the hub's is.
#[test]
fn the_schema_matches_the_hubs_sdl() {
    let ours = shape(&our_sdl());
    // The hub's Query root, named in its documentation: checked everywhere.
    let roots: Vec<&str> = ours["Query"]
        .1
        .iter()
        .map(|(name, _)| name.as_str())
        .filter(|name| !name.contains('('))
        .collect();
    for root in [
        "space",
        "spaces",
        "ranking",
        "proposal",
        "proposals",
        "vote",
        "votes",
        "aliases",
        "follows",
        "subscriptions",
        "users",
        "user",
        "statements",
        "statement",
        "roles",
        "messages",
        "vp",
        "leaderboards",
        "skins",
        "plugins",
        "validations",
        "strategies",
        "strategy",
        "networks",
        "options",
    ] {
        assert!(roots.contains(&root), "no root field {root}");
    }
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/hub/hub-schema.gql");
    let Ok(hub) = std::fs::read_to_string(&path) else {
        eprintln!(
            "{} is absent: only the root fields were checked",
            path.display()
        );
        return;
    };
    let mut differences = Vec::new();
    for (name, (kind, members)) in shape(&hub) {
        let Some((our_kind, our_members)) = ours.get(&name) else {
            differences.push(format!("{kind} {name} is missing"));
            continue;
        };
        if *our_kind != kind {
            differences.push(format!("{name} is a {our_kind}, the hub's a {kind}"));
        }
        for (member, ty) in members {
            let output = kind == "type" && !member.contains('(');
            match our_members.iter().find(|(m, _)| *m == member) {
                None => differences.push(format!("{name}.{member} is missing")),
                Some((_, our_ty)) if output && narrows(our_ty, &ty) => {}
                Some((_, our_ty)) if *our_ty != ty => {
                    differences.push(format!("{name}.{member}: ours {our_ty}, the hub's {ty}"))
                }
                Some(_) => {}
            }
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

/// Beside GraphQL, what Snapshot's UIs ask the hub: CORS on every route
/// (reads, writes and refusals), GraphiQL for a browser, a deleted space
/// flagged `deleted: true`, `GET /api/scores/{id}` and the score API's
/// `validate`.
#[test]
fn the_hubs_other_replies_are_served_as_clients_expect() {
    let (app, basic, _) = populated();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    // A browser's preflight for a write from another origin.
    let preflight = agent
        .options(&app.url)
        .header("Origin", "https://snapshot.box")
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type")
        .call()
        .unwrap();
    assert_eq!(preflight.status().as_u16(), 200);
    assert_eq!(
        preflight
            .headers()
            .get("access-control-allow-origin")
            .unwrap(),
        "*"
    );
    for (method, path) in [
        ("GET", "/graphql?query=%7Bspaces%7Bid%7D%7D"),
        ("GET", "/api/spaces/missing.eth"),
        ("POST", "/"),
    ] {
        let response = if method == "GET" {
            agent
                .get(format!("{}{path}", app.url))
                .header("Origin", "https://snapshot.box")
                .call()
        } else {
            agent
                .post(format!("{}{path}", app.url))
                .header("Origin", "https://snapshot.box")
                .send("not json")
        }
        .unwrap();
        assert_eq!(
            response
                .headers()
                .get("access-control-allow-origin")
                .map(|v| v.to_str().unwrap()),
            Some("*"),
            "{method} {path}"
        );
    }
    // GraphiQL for a browser; a tool without a query gets GraphQL's error.
    let mut page = agent
        .get(format!("{}/graphql", app.url))
        .header("Accept", "text/html,application/xhtml+xml")
        .call()
        .unwrap();
    assert!(page
        .body_mut()
        .read_to_string()
        .unwrap()
        .contains("graphiql"));
    let (status, reply) = app.get("/graphql");
    assert_eq!(status, 400);
    assert_eq!(reply["errors"][0]["message"], "Must provide query string.");

    // The scores refresh the UI calls.
    let (status, reply) = app.get(&format!("/api/scores/{basic}"));
    assert_eq!((status, reply), (200, json!({"result": true})));

    // validate: any, basic under and over the threshold, unknown names.
    let validate = |validation: &str, min_score: f64| {
        app.post_raw(
            json!({"jsonrpc": "2.0", "method": "validate", "id": 7, "params": {
                "validation": validation, "author": address(1), "space": SPACE, "network": "1",
                "snapshot": 100, "params": {"minScore": min_score, "strategies": [{"name": "ticket", "params": {}}]}}})
            .to_string(),
        )
    };
    assert_eq!(validate("any", 0.0).1["result"], true);
    assert_eq!(validate("basic", 1.0).1["result"], true);
    assert_eq!(validate("basic", 2.0).1["result"], false);
    let (status, reply) = validate("gitcoin-passport", 0.0);
    assert_eq!(status, 400);
    assert_eq!(reply["error"]["data"], "Validation not found");
    assert_eq!(reply["id"], 7);

    // A deleted space answers with `deleted: true`, as the hub does.
    let (status, space) = app.get(&format!("/api/spaces/{SPACE}"));
    assert_eq!(status, 200);
    assert_eq!(
        (&space["deleted"], &space["flagged"], &space["verified"]),
        (&json!(false), &json!(false), &json!(false))
    );
    app.accept(0, Kind::DeleteSpace, json!({"space": SPACE}));
    let (status, space) = app.get(&format!("/api/spaces/{SPACE}"));
    assert_eq!((status, &space["deleted"]), (200, &json!(true)));
    assert_eq!(app.get("/api/spaces/missing.eth").0, 404);
    // …and leaves GraphQL's listings.
    assert_eq!(
        data(&app, "{ space(id: \"test.eth\") { id } }", json!({}))["space"],
        Value::Null
    );
}

/// The remaining root fields: aliases, subscriptions, messages (with
/// votehub's log extras), leaderboards, vp, ranking, the item lists, and
/// proposals of every voting type.
#[test]
fn every_other_root_field_answers_with_the_hubs_shapes() {
    let (app, basic, _) = populated();
    for kind in [
        "approval",
        "quadratic",
        "ranked-choice",
        "weighted",
        "copeland",
    ] {
        app.open_proposal(kind, 3);
    }
    app.accept(3, Kind::Alias, json!({"alias": address(5)}));
    app.accept(4, Kind::Subscribe, json!({"space": SPACE}));
    let all = data(
        &app,
        "query($voter: String!, $space: String!, $proposal: String) {
           proposals(first: 10, orderBy: \"created\", orderDirection: asc) { type }
           aliases(where: {address: \"0x90F79bf6EB2c4f870365E785982E1f101E93b906\"}) { address alias created ipfs }
           subscriptions(where: {space: $space}) { address space { id } }
           vp(voter: $voter, space: $space, proposal: $proposal) { vp vp_by_strategy vp_state }
           leaderboards(where: {space: $space}, orderBy: \"vote_count\") { user votesCount proposalsCount lastVote } }",
        json!({"voter": address(1), "space": SPACE, "proposal": basic}),
    );
    let types: Vec<&str> = all["proposals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["type"].as_str().unwrap())
        .collect();
    for kind in [
        "basic",
        "single-choice",
        "approval",
        "quadratic",
        "ranked-choice",
        "weighted",
        "copeland",
    ] {
        assert!(types.contains(&kind), "{types:?}");
    }
    assert_eq!(all["aliases"][0]["alias"], address(5));
    assert_eq!(
        all["subscriptions"],
        json!([{"address": address(4), "space": {"id": SPACE}}])
    );
    assert_eq!(
        all["vp"],
        json!({"vp": 1.0, "vp_by_strategy": [1.0], "vp_state": "final"})
    );
    let board = all["leaderboards"].as_array().unwrap();
    // Ordered by votes cast, most first.
    assert!(board
        .windows(2)
        .all(|pair| pair[0]["votesCount"].as_i64() >= pair[1]["votesCount"].as_i64()));
    let author = board
        .iter()
        .find(|row| row["user"] == address(0).as_str())
        .unwrap();
    assert_eq!(author["proposalsCount"], 7);
    let voter = board
        .iter()
        .find(|row| row["user"] == address(2).as_str())
        .unwrap();
    assert_eq!(voter["votesCount"], 2);

    let lists = data(
        &app,
        "{ messages(first: 3, orderBy: \"mci\", orderDirection: asc) { mci type address log received }
           ranking(first: 5) { items { id rank proposalsCount } metrics { total categories } }
           strategies { id spacesCount } strategy(id: \"ticket\") { id name about schema examples } networks { id spacesCount } }",
        json!({}),
    );
    let items = data(
        &app,
        "{ validations { id spacesCount } plugins { id } skins { id } options { name } }",
        json!({}),
    );
    let messages = lists["messages"].as_array().unwrap();
    assert_eq!(messages[0]["mci"], 1);
    assert_eq!(messages[0]["type"], "settings");
    assert!(messages[0]["log"].as_str().unwrap().starts_with("0x"));
    assert!(messages[1]["mci"].as_i64() > messages[0]["mci"].as_i64());
    assert_eq!(lists["ranking"]["metrics"]["total"], 1);
    assert_eq!(
        lists["ranking"]["items"][0],
        json!({"id": SPACE, "rank": 1.0, "proposalsCount": 7})
    );
    let ticket = lists["strategies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "ticket")
        .unwrap();
    assert_eq!(ticket["spacesCount"], 1);
    // A strategy's documents come from its folder.
    let strategy = &lists["strategy"];
    assert_eq!(
        (&strategy["id"], &strategy["name"]),
        (&json!("ticket"), &json!("ticket"))
    );
    assert!(strategy["about"].as_str().unwrap().contains("ticket"));
    assert!(strategy["schema"].is_object(), "{strategy}");
    assert!(
        !strategy["examples"].as_array().unwrap().is_empty(),
        "{strategy}"
    );
    assert_eq!(strategy["examples"][0]["strategy"]["name"], "ticket");
    assert_eq!(lists["networks"], json!([{"id": "1", "spacesCount": 1}]));
    assert!(items["validations"]
        .as_array()
        .unwrap()
        .contains(&json!({"id": "any", "spacesCount": 0})));
    assert_eq!(items["plugins"], json!([]));
    assert_eq!(items["skins"], json!([]));
    assert_eq!(items["options"], json!([]));
    // vp errors in the hub's words.
    assert_eq!(
        error(
            &app,
            "{ vp(voter: \"0x1\", space: \"test.eth\") { vp } }",
            json!({})
        ),
        "invalid address"
    );
    assert_eq!(
        error(
            &app,
            &format!(
                "{{ vp(voter: \"{}\", space: \"test.eth\", proposal: \"0x99\") {{ vp }} }}",
                address(1)
            ),
            json!({})
        ),
        "proposal not found"
    );
}

/// Every object of a reply lists its fields in the order they were
/// selected, whatever order they resolved in (async-graphql inserts them as
/// they resolve), so the same query always answers the same bytes.
#[test]
fn replies_keep_the_selection_order() {
    let (app, _, _) = populated();
    let query = "{ proposals(first: 2) { scores id ...more space { votesCount id name } } }
                 fragment more on Proposal { title votes scores_total state }";
    let reply = data(&app, query, json!({}));
    for proposal in reply["proposals"].as_array().unwrap() {
        assert_eq!(
            keys(proposal),
            [
                "scores",
                "id",
                "title",
                "votes",
                "scores_total",
                "state",
                "space"
            ]
        );
        assert_eq!(keys(&proposal["space"]), ["votesCount", "id", "name"]);
    }
}

/// A page of votes' own scalars is written straight from the rows (the
/// votes page's fast path); it must answer byte for byte what the general
/// resolvers answer, which a directive on one field forces.
#[test]
fn a_votes_page_of_scalars_answers_as_the_general_resolvers_do() {
    let (app, basic, _) = populated();
    let fields = "vp_state who: voter id ipfs voter created choice metadata reason app vp \
                  vp_by_strategy vp_value id __typename";
    let page = |extra: &str| {
        let query = format!(
            "query V($id: String!) {{ votes(where: {{proposal: $id}}, orderBy: \"vp\") {{ {fields} {extra} }} }}"
        );
        data(&app, &query, json!({"id": basic}))["votes"].to_string()
    };
    let fast = page("");
    let general = page("created_again: created @include(if: true)");
    let general: Value = serde_json::from_str(&general).unwrap();
    let general: Vec<Value> = general
        .as_array()
        .unwrap()
        .iter()
        .map(|vote| {
            let mut vote = vote.clone();
            vote.as_object_mut().unwrap().shift_remove("created_again");
            vote
        })
        .collect();
    assert_eq!(fast, serde_json::to_string(&general).unwrap());
    let first: Value = serde_json::from_str(&fast).unwrap();
    assert_eq!(
        keys(&first[0]),
        [
            "vp_state",
            "who",
            "id",
            "ipfs",
            "voter",
            "created",
            "choice",
            "metadata",
            "reason",
            "app",
            "vp",
            "vp_by_strategy",
            "vp_value",
            "__typename"
        ]
    );
    assert_eq!(first.as_array().unwrap().len(), 3);
    assert_eq!(first[0]["__typename"], "Vote");
}

/// Reads that hold every shared read connection (a crowd of slow hub
/// queries) must not make a vote wait: ingest reads through its own pool.
#[test]
fn a_vote_is_accepted_while_reads_hold_every_shared_connection() {
    let app = std::sync::Arc::new(spawn_app());
    app.ticket_space();
    let proposal = app.open_proposal("single-choice", 2);
    let held: Vec<_> = (0..votehub::store::READ_CONNECTIONS)
        .map(|_| app.store.reader().unwrap())
        .collect();
    let (sender, receiver) = std::sync::mpsc::channel();
    let voting = std::sync::Arc::clone(&app);
    std::thread::spawn(move || {
        let reply = voting.send(
            2,
            Kind::Vote,
            json!({"space": SPACE, "proposal": proposal, "choice": 1}),
        );
        let _ = sender.send(reply);
    });
    let (status, reply) = receiver
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("the vote waited for a shared read connection");
    assert_eq!(status, 200, "{reply}");
    drop(held);
}
