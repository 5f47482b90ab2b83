//! Accounts that publish AWS's own Lambda layers, trusted by LA108 by default.
//!
//! Each entry names the publisher and where the account id was read. Only ids found in a
//! source are listed: a missing AWS account means a finding a user can silence with
//! `allowed_layer_accounts`, an invented one would be a blind spot. Several publishers use a
//! different account in opt-in regions; those listed are the ones found, with their region.

pub struct LayerPublisher {
    pub account: &'static str,
    pub publisher: &'static str,
    /// The regions the source shows this account publishing in (`"*"`: every region listed).
    pub regions: &'static str,
    pub source: &'static str,
}

pub const AWS_LAYER_PUBLISHERS: &[LayerPublisher] = &[
    LayerPublisher {
        account: "017000801446",
        publisher: "Powertools for AWS Lambda (Python)",
        regions: "*",
        source: "https://github.com/aws-powertools/powertools-lambda-python/pull/762/files (docs/index.md: arn:aws:lambda:{region}:017000801446:layer:AWSLambdaPowertoolsPython)",
    },
    LayerPublisher {
        account: "094274105915",
        publisher: "Powertools for AWS Lambda (TypeScript)",
        regions: "*",
        source: "https://docs.aws.amazon.com/powertools/typescript/latest/getting-started/lambda-layers",
    },
    LayerPublisher {
        account: "177933569100",
        publisher: "AWS Parameters and Secrets Lambda Extension",
        regions: "us-east-1",
        source: "https://github.com/fedonev/lambda-params-secrets/blob/master/data/aws-layer-arns.json; AWS CDK aws-lambda params-and-secrets tests (arn:aws:lambda:us-east-1:177933569100:layer:AWS-Parameters-and-Secrets-Lambda-Extension)",
    },
    LayerPublisher {
        account: "590474943231",
        publisher: "AWS Parameters and Secrets Lambda Extension",
        regions: "us-east-2",
        source: "https://github.com/fedonev/lambda-params-secrets/blob/master/data/aws-layer-arns.json",
    },
    LayerPublisher {
        account: "027255383542",
        publisher: "AWS AppConfig Agent Lambda extension",
        regions: "us-east-1",
        source: "AWS CDK @aws-cdk/aws-appconfig-alpha Application.getLambdaLayerVersionArn test (arn:aws:lambda:us-east-1:027255383542:layer:AWS-AppConfig-Extension); https://docs.aws.amazon.com/appconfig/latest/userguide/appconfig-integration-lambda-extensions-versions.html",
    },
    LayerPublisher {
        account: "728743619870",
        publisher: "AWS AppConfig Agent Lambda extension",
        regions: "us-east-2",
        source: "AWS CDK CfnMapping of AppConfig extension ARNs by region (arn:aws:lambda:us-east-2:728743619870:layer:AWS-AppConfig-Extension)",
    },
    LayerPublisher {
        account: "958113053741",
        publisher: "AWS AppConfig Agent Lambda extension",
        regions: "us-west-1",
        source: "AWS CDK CfnMapping of AppConfig extension ARNs by region (arn:aws:lambda:us-west-1:958113053741:layer:AWS-AppConfig-Extension)",
    },
    LayerPublisher {
        account: "580247275435",
        publisher: "Amazon CloudWatch Lambda Insights",
        regions: "us-east-1, us-east-2, us-west-1, us-west-2, ap-south-1, ap-northeast-1, ap-northeast-2, ap-southeast-1, ap-southeast-2 and others",
        source: "https://github.com/awslabs/serverless-plugin-lambda-insights/blob/main/layerVersions.json; https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_lambda.LambdaInsightsVersion.html",
    },
    LayerPublisher {
        account: "012438385374",
        publisher: "Amazon CloudWatch Lambda Insights",
        regions: "af-south-1",
        source: "https://github.com/awslabs/serverless-plugin-lambda-insights/blob/main/layerVersions.json",
    },
    LayerPublisher {
        account: "519774774795",
        publisher: "Amazon CloudWatch Lambda Insights",
        regions: "ap-east-1",
        source: "https://github.com/awslabs/serverless-plugin-lambda-insights/blob/main/layerVersions.json",
    },
    LayerPublisher {
        account: "891564319516",
        publisher: "Amazon CloudWatch Lambda Insights",
        regions: "ap-south-2",
        source: "https://github.com/awslabs/serverless-plugin-lambda-insights/blob/main/layerVersions.json",
    },
    LayerPublisher {
        account: "439286490199",
        publisher: "Amazon CloudWatch Lambda Insights",
        regions: "ap-southeast-3",
        source: "https://github.com/awslabs/serverless-plugin-lambda-insights/blob/main/layerVersions.json",
    },
    LayerPublisher {
        account: "194566237122",
        publisher: "Amazon CloudWatch Lambda Insights",
        regions: "ap-northeast-3",
        source: "https://github.com/awslabs/serverless-plugin-lambda-insights/blob/main/layerVersions.json",
    },
    LayerPublisher {
        account: "901920570463",
        publisher: "AWS Distro for OpenTelemetry (legacy aws-otel-* layers)",
        regions: "*",
        source: "https://aws-otel.github.io/docs/getting-started/lambda/lambda-python/",
    },
    LayerPublisher {
        account: "615299751070",
        publisher: "AWS Distro for OpenTelemetry (AWSOpenTelemetryDistro* layers)",
        regions: "most commercial regions (ap-northeast-1/2/3, ap-south-1, ap-southeast-1/2, ca-central-1, eu-central-1, …)",
        source: "https://github.com/aws-observability/aws-otel-java-instrumentation/releases/tag/v2.29.0",
    },
    LayerPublisher {
        account: "904233096616",
        publisher: "AWS Distro for OpenTelemetry (AWSOpenTelemetryDistro* layers)",
        regions: "af-south-1",
        source: "https://github.com/aws-observability/aws-otel-java-instrumentation/releases/tag/v2.29.0",
    },
    LayerPublisher {
        account: "888577020596",
        publisher: "AWS Distro for OpenTelemetry (AWSOpenTelemetryDistro* layers)",
        regions: "ap-east-1",
        source: "https://github.com/aws-observability/aws-otel-java-instrumentation/releases/tag/v2.29.0",
    },
    LayerPublisher {
        account: "412664885777",
        publisher: "AWS Distro for OpenTelemetry (AWSOpenTelemetryDistro* layers)",
        regions: "ap-east-2",
        source: "https://github.com/aws-observability/aws-otel-java-instrumentation/releases/tag/v2.29.0",
    },
    LayerPublisher {
        account: "796973505492",
        publisher: "AWS Distro for OpenTelemetry (AWSOpenTelemetryDistro* layers)",
        regions: "ap-south-2",
        source: "https://github.com/aws-observability/aws-otel-java-instrumentation/releases/tag/v2.29.0",
    },
    LayerPublisher {
        account: "039612877180",
        publisher: "AWS Distro for OpenTelemetry (AWSOpenTelemetryDistro* layers)",
        regions: "ap-southeast-3",
        source: "https://github.com/aws-observability/aws-otel-java-instrumentation/releases/tag/v2.29.0",
    },
    LayerPublisher {
        account: "713881805771",
        publisher: "AWS Distro for OpenTelemetry (AWSOpenTelemetryDistro* layers)",
        regions: "ap-southeast-4",
        source: "https://github.com/aws-observability/aws-otel-java-instrumentation/releases/tag/v2.29.0",
    },
    LayerPublisher {
        account: "152034782359",
        publisher: "AWS Distro for OpenTelemetry (AWSOpenTelemetryDistro* layers)",
        regions: "ap-southeast-5",
        source: "https://github.com/aws-observability/aws-otel-java-instrumentation/releases/tag/v2.29.0",
    },
    LayerPublisher {
        account: "980416031188",
        publisher: "AWS Distro for OpenTelemetry (AWSOpenTelemetryDistro* layers)",
        regions: "ap-southeast-7",
        source: "https://github.com/aws-observability/aws-otel-java-instrumentation/releases/tag/v2.29.0",
    },
    LayerPublisher {
        account: "156041407956",
        publisher: "AWS Distro for OpenTelemetry (AWSOpenTelemetryDistro* layers)",
        regions: "eu-central-2",
        source: "https://newreleases.io/project/github/aws-observability/aws-otel-python-instrumentation/release/lambda-v0.8.0-1fae89f",
    },
];

/// The AWS publisher of layers from `account`, if it is one we know.
pub fn aws_publisher(account: &str) -> Option<&'static LayerPublisher> {
    AWS_LAYER_PUBLISHERS.iter().find(|p| p.account == account)
}
