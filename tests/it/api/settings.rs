//! Configuration over HTTP: who may write (admins) and read (everyone),
//! teams, topics and tags. The other resources have their own modules.
use super::{Answer, Api};
use postdesk::domain::Role;
use reqwest::Method;
use serde_json::{Value, json};

/// The id of a 201 answer.
#[track_caller]
pub fn created(a: Answer) -> i64 {
    let body = a.expect(201);
    body["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no id: {body}"))
}

/// Asserts an error answer: status, code and field.
#[track_caller]
pub fn refused(a: &Answer, status: u16, code: &str, field: &str) {
    assert_eq!(a.status.as_u16(), status, "{}", a.text);
    assert_eq!(a.code(), code, "{}", a.text);
    assert_eq!(a.field(), field, "{}", a.text);
}

/// One of each configuration resource, made by the admin: their paths.
async fn one_of_each(api: &Api) -> Vec<String> {
    let team = created(api.post("/api/v1/teams", &json!({"name": "Billing"})).await);
    let topic = created(
        api.post("/api/v1/topics", &json!({"name": "Refunds"}))
            .await,
    );
    let tag = created(api.post("/api/v1/tags", &json!({"name": "vip"})).await);
    let field = created(
        api.post(
            "/api/v1/fields",
            &json!({"key": "order", "label": "Order", "type": "text"}),
        )
        .await,
    );
    let template = created(
        api.post(
            "/api/v1/templates",
            &json!({"name": "thanks", "body": "Thanks!"}),
        )
        .await,
    );
    let ban = created(
        api.post("/api/v1/bans", &json!({"pattern": "@spam.test"}))
            .await,
    );
    let agent = created(
        api.post(
            "/api/v1/agents",
            &json!({"email": "zed@example.com", "name": "Zed"}),
        )
        .await,
    );
    let domain = created(
        api.post(
            "/api/v1/email-domains",
            &json!({"address": "help@example.org", "enabled": false}),
        )
        .await,
    );
    vec![
        format!("/api/v1/teams/{team}"),
        format!("/api/v1/topics/{topic}"),
        format!("/api/v1/tags/{tag}"),
        format!("/api/v1/fields/{field}"),
        format!("/api/v1/templates/{template}"),
        format!("/api/v1/bans/{ban}"),
        format!("/api/v1/agents/{agent}"),
        format!("/api/v1/email-domains/{domain}"),
    ]
}

#[tokio::test]
async fn agents_read_all_configuration_and_get_403_on_every_write() {
    let api = Api::start().await;
    let items = one_of_each(&api).await;
    let agent = api.token(Role::Agent, Some("ann@example.com")).await;
    let call = |m: Method, path: String, body: Option<Value>| {
        let agent = agent.clone();
        let api = &api;
        async move { api.call(m, &path, Some(&agent), body.as_ref()).await }
    };
    for item in &items {
        let collection = item.rsplit_once('/').unwrap().0.to_string();
        let list = call(Method::GET, collection.clone(), None)
            .await
            .expect(200);
        assert!(
            !list["items"].as_array().unwrap().is_empty(),
            "{collection}"
        );
        call(Method::GET, item.clone(), None).await.expect(200);
        let body = json!({"name": "anything"});
        for (m, path, body) in [
            (Method::POST, collection.clone(), Some(body.clone())),
            (Method::PATCH, item.clone(), Some(body.clone())),
            (Method::DELETE, item.clone(), None),
        ] {
            let got = call(m.clone(), path.clone(), body).await;
            assert_eq!(got.status, 403, "{m} {path}: {}", got.text);
            assert_eq!(got.code(), "forbidden");
        }
        // Even an unreadable body is refused for the role first.
        let raw = call(Method::POST, collection, Some(json!("not an object"))).await;
        assert_eq!(raw.status, 403, "{}", raw.text);
    }
    let test = call(Method::POST, format!("{}/test", items[7]), None).await;
    assert_eq!(test.status, 403, "{}", test.text);
    for item in &items {
        api.get(item).await.expect(200);
    }
    let team = api.get(&items[0]).await.expect(200);
    assert_eq!(team["name"], "Billing", "nothing changed");
    api.stop().await;
}

#[tokio::test]
async fn teams_are_created_listed_renamed_and_deleted() {
    let api = Api::start().await;
    let made = api
        .post("/api/v1/teams", &json!({"name": "  Support "}))
        .await;
    let team = made.expect(201);
    assert_eq!(team["name"], "Support", "trimmed");
    assert!(team["created_at"].as_str().unwrap().ends_with('Z'));
    let id = team["id"].as_i64().unwrap();
    api.post("/api/v1/teams", &json!({"name": "Billing"}))
        .await
        .expect(201);
    let list = api.get("/api/v1/teams").await.expect(200);
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Billing", "Support"]);
    let path = format!("/api/v1/teams/{id}");
    let renamed = api
        .patch(&path, &json!({"name": "Helpdesk"}))
        .await
        .expect(200);
    assert_eq!(renamed["name"], "Helpdesk");
    assert_eq!(api.get(&path).await.expect(200)["name"], "Helpdesk");
    let gone = api.delete(&path).await;
    assert_eq!(gone.status, 204, "{}", gone.text);
    refused(&api.get(&path).await, 404, "not_found", "");
    refused(&api.delete(&path).await, 404, "not_found", "");
    api.stop().await;
}

#[tokio::test]
async fn bad_team_input_gets_the_right_4xx_with_the_field() {
    let api = Api::start().await;
    api.post("/api/v1/teams", &json!({"name": "Support"}))
        .await
        .expect(201);
    let dup = api.post("/api/v1/teams", &json!({"name": "Support"})).await;
    refused(&dup, 409, "conflict", "name");
    refused(
        &api.post("/api/v1/teams", &json!({"name": "   "})).await,
        422,
        "invalid_value",
        "name",
    );
    let long = api
        .post("/api/v1/teams", &json!({"name": "x".repeat(201)}))
        .await;
    refused(&long, 422, "invalid_value", "name");
    assert!(long.text.contains("200 characters"), "{}", long.text);
    refused(
        &api.post("/api/v1/teams", &json!({"name": 7})).await,
        400,
        "bad_request",
        "name",
    );
    refused(
        &api.post("/api/v1/teams", &json!({})).await,
        400,
        "bad_request",
        "",
    );
    let unknown = api
        .post("/api/v1/teams", &json!({"name": "A", "colour": "red"}))
        .await;
    assert_eq!(unknown.status, 400);
    assert!(unknown.text.contains("colour"), "{}", unknown.text);
    let broken = api
        .call(
            Method::POST,
            "/api/v1/teams",
            Some(super::ADMIN_TOKEN),
            None,
        )
        .await;
    assert_eq!(broken.status, 400, "no body: {}", broken.text);
    refused(
        &api.patch("/api/v1/teams/999", &json!({"name": "X"})).await,
        404,
        "not_found",
        "",
    );
    refused(
        &api.get("/api/v1/teams/abc").await,
        400,
        "bad_request",
        "id",
    );
    api.stop().await;
}

#[tokio::test]
async fn topics_start_with_general_which_stays() {
    let api = Api::start().await;
    let list = api.get("/api/v1/topics").await.expect(200);
    let general = &list["items"][0];
    assert_eq!(general["name"], "General");
    let path = format!("/api/v1/topics/{}", general["id"]);
    refused(&api.delete(&path).await, 409, "conflict", "name");
    refused(
        &api.patch(&path, &json!({"name": "Misc"})).await,
        409,
        "conflict",
        "name",
    );
    let refunds = created(
        api.post("/api/v1/topics", &json!({"name": "Refunds"}))
            .await,
    );
    let dup = api
        .post("/api/v1/topics", &json!({"name": "Refunds"}))
        .await;
    refused(&dup, 409, "conflict", "name");
    let other = format!("/api/v1/topics/{refunds}");
    let renamed = api
        .patch(&other, &json!({"name": "Returns"}))
        .await
        .expect(200);
    assert_eq!(renamed["name"], "Returns");
    assert_eq!(api.delete(&other).await.status, 204);
    let left = api.get("/api/v1/topics").await.expect(200);
    assert_eq!(left["items"].as_array().unwrap().len(), 1);
    api.stop().await;
}

#[tokio::test]
async fn tags_have_an_optional_group_that_null_removes() {
    let api = Api::start().await;
    let vip = api
        .post("/api/v1/tags", &json!({"name": "vip", "group": "Customer"}))
        .await
        .expect(201);
    assert_eq!(vip["group"], "Customer");
    let bug = api
        .post("/api/v1/tags", &json!({"name": "bug"}))
        .await
        .expect(201);
    assert_eq!(bug["group"], Value::Null);
    let path = format!("/api/v1/tags/{}", vip["id"]);
    let renamed = api.patch(&path, &json!({"name": "gold"})).await.expect(200);
    assert_eq!(renamed["group"], "Customer", "a rename keeps the group");
    let ungrouped = api.patch(&path, &json!({"group": null})).await.expect(200);
    assert_eq!(ungrouped["group"], Value::Null);
    assert_eq!(ungrouped["name"], "gold");
    let list = api.get("/api/v1/tags").await.expect(200);
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    assert_eq!(api.delete(&path).await.status, 204);
    refused(&api.get(&path).await, 404, "not_found", "");
    api.stop().await;
}

#[tokio::test]
async fn bad_tags_are_refused_naming_the_field() {
    let api = Api::start().await;
    api.post("/api/v1/tags", &json!({"name": "vip"}))
        .await
        .expect(201);
    let cases = [
        (json!({"name": "vip"}), 409, "name"),
        (json!({"name": "None"}), 422, "name"),
        (json!({"name": ""}), 422, "name"),
        (json!({"name": "a", "group": "g".repeat(201)}), 422, "group"),
        (json!({"name": "a", "group": 5}), 400, "group"),
        (json!({"name": ["a"]}), 400, "name"),
    ];
    for (body, status, field) in cases {
        let got = api.post("/api/v1/tags", &body).await;
        assert_eq!(got.status.as_u16(), status, "{body}: {}", got.text);
        assert_eq!(got.field(), field, "{body}: {}", got.text);
    }
    refused(
        &api.patch("/api/v1/tags/77", &json!({"name": "x"})).await,
        404,
        "not_found",
        "",
    );
    api.stop().await;
}

#[tokio::test]
async fn the_openapi_document_lists_the_configuration_routes() {
    let api = Api::start().await;
    let doc = api
        .call(Method::GET, "/api/v1/openapi.json", None, None)
        .await
        .expect(200);
    let paths = &doc["paths"];
    for (path, method) in [
        ("/api/v1/email-domains", "post"),
        ("/api/v1/email-domains/{id}", "patch"),
        ("/api/v1/email-domains/{id}/test", "post"),
        ("/api/v1/agents/{id}", "delete"),
        ("/api/v1/teams", "get"),
        ("/api/v1/topics/{id}", "patch"),
        ("/api/v1/tags", "post"),
        ("/api/v1/fields/{id}", "patch"),
        ("/api/v1/templates/{id}/preview", "post"),
        ("/api/v1/bans", "get"),
    ] {
        assert!(paths[path][method].is_object(), "{method} {path}");
    }
    let schemas = &doc["components"]["schemas"];
    assert!(schemas["ImapView"]["properties"]["has_password"].is_object());
    assert!(schemas["ImapView"]["properties"]["password"].is_null());
    // What a new domain needs is required; a change may leave it out.
    assert_eq!(schemas["DomainCreate"]["required"], json!(["address"]));
    let create = &paths["/api/v1/email-domains"]["post"]["requestBody"]["content"];
    assert_eq!(
        create["application/json"]["schema"]["$ref"],
        "#/components/schemas/DomainCreate"
    );
    assert!(schemas["DomainInput"]["required"].is_null());
    // A path parameter is one the path names (a query one declared in
    // the path reaches no handler).
    for (path, item) in paths.as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for p in op["parameters"].as_array().into_iter().flatten() {
                if p["in"] == "path" {
                    let name = p["name"].as_str().unwrap();
                    assert!(
                        path.contains(&format!("{{{name}}}")),
                        "{method} {path}: {name}"
                    );
                }
            }
        }
    }
    // A creation links to the operations on what it made, the id taken
    // from its answer.
    for (create, status, target, method) in [
        ("/api/v1/bans", "201", "/api/v1/bans/{id}", "delete"),
        (
            "/api/v1/tickets",
            "201",
            "/api/v1/tickets/{id}/messages",
            "get",
        ),
        (
            "/api/v1/tickets/{id}/notes",
            "201",
            "/api/v1/notes/{id}",
            "patch",
        ),
    ] {
        let id = paths[target][method]["operationId"].as_str().unwrap();
        let link = &paths[create]["post"]["responses"][status]["links"][id];
        assert_eq!(
            link["operationId"], id,
            "{create} → {method} {target}: {link}"
        );
        assert_eq!(link["parameters"]["path.id"], "$response.body#/id");
    }
    // The rules between fields are in the document.
    for (name, keyword) in [
        ("NewReply", "oneOf"),
        ("OpenTicket", "oneOf"),
        ("NewField", "oneOf"),
        ("FieldPatch", "anyOf"),
    ] {
        assert!(schemas[name][keyword].is_array(), "{name} {keyword}");
    }
    api.stop().await;
}
