//! API Gateway REST APIs (v1) and HTTP/WebSocket APIs (v2), per region, with each Lambda
//! integration and authorizer resolved to its function.

use super::failure::{PageGuard, SdkResult, classify};
use super::limiter::{Limiter, RegionLimiters};
use super::{Clients, Recorder};
use crate::inventory::*;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// REST API resources and methods pages: `embed=methods` brings each method's
/// authorization and integration in the same call (no `GetMethod`/`GetIntegration` calls).
const PAGE_LIMIT: i32 = 500;

struct ApiContext<'a> {
    region: &'a str,
    recorder: &'a Recorder,
}

impl ApiContext<'_> {
    async fn call<T, E, F>(
        &self,
        limiter: &Limiter,
        operation: &str,
        resource: Option<&str>,
        send: F,
    ) -> Result<T, ApiFailure>
    where
        F: std::future::Future<Output = SdkResult<T, E>>,
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        self.recorder
            .paced(limiter, operation, send)
            .await
            .map_err(|err| {
                self.recorder
                    .gap(Some(self.region), resource, classify(operation, &err))
            })
    }
}

pub(crate) async fn collect_rest_apis(
    clients: &Clients,
    region: &str,
    limiters: &RegionLimiters,
    recorder: &Recorder,
) -> Collected<Vec<RestApi>> {
    rest_apis_with(&clients.apigateway(region), region, limiters, recorder).await
}

pub async fn rest_apis_with(
    client: &aws_sdk_apigateway::Client,
    region: &str,
    limiters: &RegionLimiters,
    recorder: &Recorder,
) -> Collected<Vec<RestApi>> {
    let ctx = ApiContext { region, recorder };
    let mut apis = Vec::new();
    let mut position: Option<String> = None;
    let mut guard = PageGuard::default();
    loop {
        let page = match ctx
            .call(
                &limiters.apigateway,
                "apigateway:GetRestApis",
                None,
                client
                    .get_rest_apis()
                    .set_position(position.clone())
                    .limit(PAGE_LIMIT)
                    .send(),
            )
            .await
        {
            Ok(page) => page,
            Err(error) => return Collected::Failed { error },
        };
        apis.extend(page.items().iter().cloned());
        position = match guard.next("apigateway:GetRestApis", page.position()) {
            Ok(next) => next,
            Err(failure) => {
                return Collected::Failed {
                    error: ctx.recorder.gap(Some(ctx.region), None, failure),
                };
            }
        };
        if position.is_none() {
            break;
        }
    }
    let mut out = Vec::new();
    for api in apis {
        let id = api.id().unwrap_or_default().to_string();
        let (resources, authorizers, stages) = futures::join!(
            rest_resources(&ctx, client, limiters, &id),
            rest_authorizers(&ctx, client, limiters, &id),
            rest_stages(&ctx, client, limiters, &id),
        );
        let policy = api
            .policy()
            .and_then(|text| match parse_rest_api_policy(text) {
                Ok(value) => Some(value),
                Err(message) => {
                    recorder.gap(
                        Some(region),
                        Some(&id),
                        ApiFailure {
                            operation: "apigateway:GetRestApis".to_string(),
                            kind: FailureKind::MalformedResponse,
                            code: "InvalidPolicyJson".to_string(),
                            message,
                        },
                    );
                    None
                }
            });
        out.push(RestApi {
            name: api.name().map(str::to_string),
            endpoint_types: api
                .endpoint_configuration()
                .map(|e| e.types().iter().map(|t| t.as_str().to_string()).collect())
                .unwrap_or_default(),
            disable_execute_api_endpoint: api.disable_execute_api_endpoint(),
            api_key_source: api.api_key_source().map(|s| s.as_str().to_string()),
            policy,
            resources,
            authorizers,
            stages,
            id,
        });
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Collected::Collected { value: out }
}

/// `GetRestApis` returns the resource policy as JSON text whose quotes may be
/// backslash-escaped a second time.
fn parse_rest_api_policy(text: &str) -> Result<serde_json::Value, String> {
    serde_json::from_str(text)
        .or_else(|_| serde_json::from_str(&text.replace("\\\"", "\"").replace("\\/", "/")))
        .map_err(|e| format!("REST API policy is not valid JSON: {e}"))
}

async fn rest_resources(
    ctx: &ApiContext<'_>,
    client: &aws_sdk_apigateway::Client,
    limiters: &RegionLimiters,
    api_id: &str,
) -> Collected<Vec<RestResource>> {
    let mut out = Vec::new();
    let mut position: Option<String> = None;
    let mut guard = PageGuard::default();
    loop {
        let page = match ctx
            .call(
                &limiters.apigateway_get_resources,
                "apigateway:GetResources",
                Some(api_id),
                client
                    .get_resources()
                    .rest_api_id(api_id)
                    .embed("methods")
                    .set_position(position.clone())
                    .limit(PAGE_LIMIT)
                    .send(),
            )
            .await
        {
            Ok(page) => page,
            Err(error) => return Collected::Failed { error },
        };
        out.extend(page.items().iter().map(|r| {
            let mut methods: Vec<RestMethod> = r
                .resource_methods()
                .map(|m| {
                    m.iter()
                        .map(|(verb, method)| RestMethod {
                            http_method: method.http_method().unwrap_or(verb).to_string(),
                            authorization_type: method
                                .authorization_type()
                                .unwrap_or("NONE")
                                .to_string(),
                            authorizer_id: method.authorizer_id().map(str::to_string),
                            api_key_required: method.api_key_required().unwrap_or(false),
                            integration: method.method_integration().map(|i| Integration {
                                integration_type: i
                                    .r#type()
                                    .map(|t| t.as_str().to_string())
                                    .unwrap_or_default(),
                                uri: i.uri().map(str::to_string),
                                lambda: i.uri().and_then(lambda_target_from_uri),
                                timeout_ms: Some(i.timeout_in_millis()).filter(|t| *t > 0),
                            }),
                        })
                        .collect()
                })
                .unwrap_or_default();
            methods.sort_by(|a, b| a.http_method.cmp(&b.http_method));
            RestResource {
                id: r.id().unwrap_or_default().to_string(),
                path: r.path().unwrap_or_default().to_string(),
                methods,
            }
        }));
        position = match guard.next("apigateway:GetResources", page.position()) {
            Ok(next) => next,
            Err(failure) => {
                return Collected::Failed {
                    error: ctx.recorder.gap(Some(ctx.region), Some(api_id), failure),
                };
            }
        };
        if position.is_none() {
            break;
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Collected::Collected { value: out }
}

async fn rest_authorizers(
    ctx: &ApiContext<'_>,
    client: &aws_sdk_apigateway::Client,
    limiters: &RegionLimiters,
    api_id: &str,
) -> Collected<Vec<Authorizer>> {
    let mut out = Vec::new();
    let mut position: Option<String> = None;
    let mut guard = PageGuard::default();
    loop {
        let page = match ctx
            .call(
                &limiters.apigateway,
                "apigateway:GetAuthorizers",
                Some(api_id),
                client
                    .get_authorizers()
                    .rest_api_id(api_id)
                    .set_position(position.clone())
                    .limit(PAGE_LIMIT)
                    .send(),
            )
            .await
        {
            Ok(page) => page,
            Err(error) => return Collected::Failed { error },
        };
        out.extend(page.items().iter().map(|a| {
            Authorizer {
                id: a.id().unwrap_or_default().to_string(),
                name: a.name().map(str::to_string),
                authorizer_type: a
                    .r#type()
                    .map(|t| t.as_str().to_string())
                    .unwrap_or_default(),
                lambda: a.authorizer_uri().and_then(lambda_target_from_uri),
                identity_sources: a
                    .identity_source()
                    .map(|s| s.split(',').map(|p| p.trim().to_string()).collect())
                    .unwrap_or_default(),
            }
        }));
        position = match guard.next("apigateway:GetAuthorizers", page.position()) {
            Ok(next) => next,
            Err(failure) => {
                return Collected::Failed {
                    error: ctx.recorder.gap(Some(ctx.region), Some(api_id), failure),
                };
            }
        };
        if position.is_none() {
            break;
        }
    }
    Collected::Collected { value: out }
}

async fn rest_stages(
    ctx: &ApiContext<'_>,
    client: &aws_sdk_apigateway::Client,
    limiters: &RegionLimiters,
    api_id: &str,
) -> Collected<Vec<Stage>> {
    // GetStages is not paginated: one call returns every stage.
    match ctx
        .call(
            &limiters.apigateway,
            "apigateway:GetStages",
            Some(api_id),
            client.get_stages().rest_api_id(api_id).send(),
        )
        .await
    {
        Ok(out) => {
            let mut stages: Vec<Stage> = out
                .item()
                .iter()
                .map(|s| Stage {
                    name: s.stage_name().unwrap_or_default().to_string(),
                    deployment_id: s.deployment_id().map(str::to_string),
                    tracing_enabled: s.tracing_enabled(),
                    web_acl_arn: s.web_acl_arn().map(str::to_string),
                    access_log_destination: s
                        .access_log_settings()
                        .and_then(|a| a.destination_arn())
                        .map(str::to_string),
                })
                .collect();
            stages.sort_by(|a, b| a.name.cmp(&b.name));
            Collected::Collected { value: stages }
        }
        Err(error) => Collected::Failed { error },
    }
}

pub(crate) async fn collect_http_apis(
    clients: &Clients,
    region: &str,
    limiters: &RegionLimiters,
    recorder: &Recorder,
) -> Collected<Vec<HttpApi>> {
    http_apis_with(&clients.apigatewayv2(region), region, limiters, recorder).await
}

pub async fn http_apis_with(
    client: &aws_sdk_apigatewayv2::Client,
    region: &str,
    limiters: &RegionLimiters,
    recorder: &Recorder,
) -> Collected<Vec<HttpApi>> {
    let ctx = ApiContext { region, recorder };
    let mut apis = Vec::new();
    let mut token: Option<String> = None;
    let mut guard = PageGuard::default();
    loop {
        let page = match ctx
            .call(
                &limiters.apigateway,
                "apigatewayv2:GetApis",
                None,
                client
                    .get_apis()
                    .set_next_token(token.clone())
                    .max_results("500")
                    .send(),
            )
            .await
        {
            Ok(page) => page,
            Err(error) => return Collected::Failed { error },
        };
        apis.extend(page.items().iter().cloned());
        token = match guard.next("apigatewayv2:GetApis", page.next_token()) {
            Ok(next) => next,
            Err(failure) => {
                return Collected::Failed {
                    error: ctx.recorder.gap(Some(ctx.region), None, failure),
                };
            }
        };
        if token.is_none() {
            break;
        }
    }
    let mut out = Vec::new();
    for api in apis {
        let id = api.api_id().unwrap_or_default().to_string();
        let (routes, integrations, authorizers) = futures::join!(
            v2_pages(&ctx, &limiters.apigateway, "apigatewayv2:GetRoutes", &id, |token| {
                client.get_routes().api_id(&id).set_next_token(token).max_results("500").send()
            }, |page: &aws_sdk_apigatewayv2::operation::get_routes::GetRoutesOutput| {
                (
                    page.items().iter().map(|r| Route {
                        id: r.route_id().unwrap_or_default().to_string(),
                        route_key: r.route_key().unwrap_or_default().to_string(),
                        authorization_type: r
                            .authorization_type()
                            .map(|t| t.as_str().to_string())
                            .unwrap_or_else(|| "NONE".to_string()),
                        authorizer_id: r.authorizer_id().map(str::to_string),
                        api_key_required: r.api_key_required().unwrap_or(false),
                        target: r.target().map(str::to_string),
                    }).collect(),
                    page.next_token().map(str::to_string),
                )
            }),
            v2_pages(&ctx, &limiters.apigateway, "apigatewayv2:GetIntegrations", &id, |token| {
                client.get_integrations().api_id(&id).set_next_token(token).max_results("500").send()
            }, |page: &aws_sdk_apigatewayv2::operation::get_integrations::GetIntegrationsOutput| {
                (
                    page.items().iter().map(|i| HttpIntegration {
                        id: i.integration_id().unwrap_or_default().to_string(),
                        integration_type: i
                            .integration_type()
                            .map(|t| t.as_str().to_string())
                            .unwrap_or_default(),
                        uri: i.integration_uri().map(str::to_string),
                        lambda: i.integration_uri().and_then(lambda_target_from_uri),
                        timeout_ms: i.timeout_in_millis(),
                    }).collect(),
                    page.next_token().map(str::to_string),
                )
            }),
            v2_pages(&ctx, &limiters.apigateway, "apigatewayv2:GetAuthorizers", &id, |token| {
                client.get_authorizers().api_id(&id).set_next_token(token).max_results("500").send()
            }, |page: &aws_sdk_apigatewayv2::operation::get_authorizers::GetAuthorizersOutput| {
                (
                    page.items().iter().map(|a| Authorizer {
                        id: a.authorizer_id().unwrap_or_default().to_string(),
                        name: a.name().map(str::to_string),
                        authorizer_type: a
                            .authorizer_type()
                            .map(|t| t.as_str().to_string())
                            .unwrap_or_default(),
                        lambda: a.authorizer_uri().and_then(lambda_target_from_uri),
                        identity_sources: a.identity_source().to_vec(),
                    }).collect(),
                    page.next_token().map(str::to_string),
                )
            }),
        );
        out.push(HttpApi {
            name: api.name().map(str::to_string),
            protocol_type: api
                .protocol_type()
                .map(|p| p.as_str().to_string())
                .unwrap_or_default(),
            endpoint: api.api_endpoint().map(str::to_string),
            disable_execute_api_endpoint: api.disable_execute_api_endpoint().unwrap_or(false),
            routes,
            integrations,
            authorizers,
            id,
        });
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Collected::Collected { value: out }
}

/// Pages through one v2 listing (`NextToken`-style), mapping each page with `read`.
async fn v2_pages<Out, Item, E, Fut>(
    ctx: &ApiContext<'_>,
    limiter: &Limiter,
    operation: &str,
    api_id: &str,
    send: impl Fn(Option<String>) -> Fut,
    read: impl Fn(&Out) -> (Vec<Item>, Option<String>),
) -> Collected<Vec<Item>>
where
    Fut: std::future::Future<Output = SdkResult<Out, E>>,
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let mut items = Vec::new();
    let mut token: Option<String> = None;
    let mut guard = PageGuard::default();
    loop {
        let page = match ctx
            .call(limiter, operation, Some(api_id), send(token.clone()))
            .await
        {
            Ok(page) => page,
            Err(error) => return Collected::Failed { error },
        };
        let (mut page_items, next) = read(&page);
        items.append(&mut page_items);
        token = match guard.next(operation, next.as_deref()) {
            Ok(next) => next,
            Err(failure) => {
                return Collected::Failed {
                    error: ctx.recorder.gap(Some(ctx.region), Some(api_id), failure),
                };
            }
        };
        if token.is_none() {
            break;
        }
    }
    Collected::Collected { value: items }
}
