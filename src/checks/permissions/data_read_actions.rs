//! The actions LA403 treats as reading data: each returns the content of a store (an
//! object, a secret, a parameter, a plaintext key, items, messages, records, a database
//! session, a function's code package), with the AWS page that says so.

pub(crate) struct DataReadAction {
    pub action: &'static str,
    /// What a caller gets.
    pub reads: &'static str,
    pub reference: &'static str,
}

pub(crate) const DATA_READ_ACTIONS: &[DataReadAction] = &[
    DataReadAction {
        action: "s3:GetObject",
        reads: "the content of any object",
        reference: "https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html",
    },
    DataReadAction {
        action: "s3:GetObjectVersion",
        reads: "the content of any object version, including overwritten and deleted ones",
        reference: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/RetrievingObjectVersions.html",
    },
    DataReadAction {
        action: "secretsmanager:GetSecretValue",
        reads: "the value of any secret",
        reference: "https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html",
    },
    DataReadAction {
        action: "ssm:GetParameter",
        reads: "any parameter, SecureString values decrypted with WithDecryption",
        reference: "https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameter.html",
    },
    DataReadAction {
        action: "ssm:GetParameters",
        reads: "any parameters, SecureString values decrypted with WithDecryption",
        reference: "https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameters.html",
    },
    DataReadAction {
        action: "ssm:GetParametersByPath",
        reads: "whole parameter hierarchies, SecureString values decrypted with WithDecryption",
        reference: "https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParametersByPath.html",
    },
    DataReadAction {
        action: "kms:Decrypt",
        reads: "the plaintext of any ciphertext under a key whose key policy delegates to IAM",
        reference: "https://docs.aws.amazon.com/kms/latest/APIReference/API_Decrypt.html",
    },
    DataReadAction {
        action: "dynamodb:GetItem",
        reads: "any item of any table",
        reference: "https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_GetItem.html",
    },
    DataReadAction {
        action: "dynamodb:Scan",
        reads: "every item of any table or index",
        reference: "https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Scan.html",
    },
    DataReadAction {
        action: "dynamodb:Query",
        reads: "the items of any partition of any table or index",
        reference: "https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Query.html",
    },
    DataReadAction {
        action: "dynamodb:BatchGetItem",
        reads: "up to 100 items per call from any tables",
        reference: "https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html",
    },
    DataReadAction {
        action: "rds-db:connect",
        reads: "a session as any database user enabled for IAM authentication",
        reference: "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAMDBAuth.IAMPolicy.html",
    },
    DataReadAction {
        action: "sqs:ReceiveMessage",
        reads: "the messages of any queue (and hides them from their consumers)",
        reference: "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html",
    },
    DataReadAction {
        action: "kinesis:GetRecords",
        reads: "the records of any stream",
        reference: "https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetRecords.html",
    },
    DataReadAction {
        action: "lambda:GetFunction",
        reads: "a download link to any function's code package (and its configuration)",
        reference: "https://docs.aws.amazon.com/lambda/latest/api/API_GetFunction.html",
    },
];
