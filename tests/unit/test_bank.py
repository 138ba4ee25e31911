"""The shipped question bank: the coverage the team asked for, found under English names."""

from __future__ import annotations

import pytest

from bot.config import DEFAULT_CONTENT
from bot.core.content import load_bank
from bot.core.lookup import LookupIndex

# Every service or concept the team's notes name (issue 3), as a member would type it in English.
REQUIRED = {
    "Amazon S3": "s3", "S3 Object Lock": "s3-object-lock", "S3 Versioning": "s3-versioning",
    "MFA Delete": "s3-mfa-delete", "S3 Lifecycle": "s3-lifecycle", "S3 bucket policy": "s3-bucket-policy",
    "CORS": "s3-cors", "S3 Glacier": "s3-glacier", "S3 Transfer Acceleration": "s3-transfer-acceleration",
    "Amazon EBS": "ebs", "Amazon EFS": "efs", "instance store": "instance-store",
    "AWS Storage Gateway": "storage-gateway", "AWS DataSync": "datasync", "AWS Snowball": "snowball",
    "AWS Snowcone": "snowcone", "AWS Transfer Family": "transfer-family", "SFTP": "transfer-family",
    "snapshots": "snapshots", "AWS Backup": "aws-backup",
    "Amazon EC2": "ec2", "AMI": "ami", "EC2 Auto Scaling": "auto-scaling", "placement groups": "placement-groups",
    "AWS Lambda": "lambda", "AWS Fargate": "fargate", "Amazon ECS": "ecs", "Amazon EKS": "eks",
    "ECS vs EKS": "eks", "Amazon ECR": "ecr", "AWS Elastic Beanstalk": "elastic-beanstalk",
    "Amazon Lightsail": "lightsail", "AWS Batch": "batch", "containers": "containers",
    "Amazon RDS": "rds", "RDS Proxy": "rds-proxy", "RDS Custom": "rds-custom", "Amazon Aurora": "aurora",
    "Aurora Serverless": "aurora-serverless", "Multi-AZ": "multi-az", "read replicas": "read-replicas",
    "Amazon DynamoDB": "dynamodb", "DynamoDB Streams": "dynamodb-streams",
    "DynamoDB global tables": "dynamodb-global-tables", "ProvisionedThroughputExceededException":
    "dynamodb-hot-partitions", "DynamoDB Accelerator": "dax", "DAX": "dax", "Amazon ElastiCache": "elasticache",
    "Redis": "elasticache", "Memcached": "elasticache", "Amazon Redshift": "redshift",
    "Redshift Spectrum": "redshift-spectrum",
    "Amazon Athena": "athena", "Amazon EMR": "emr", "EMRFS": "emrfs",
    "Kinesis Data Streams": "kinesis-data-streams", "Data Firehose": "data-firehose",
    "Kinesis Data Analytics": "kinesis-data-analytics", "Amazon Comprehend": "comprehend",
    "Amazon VPC": "vpc", "CIDR": "cidr", "subnets": "subnets", "security groups": "security-groups",
    "network ACL": "network-acl", "internet gateway": "internet-gateway", "NAT gateway": "nat-gateway",
    "NAT instance": "nat-instance", "VPC peering": "vpc-peering", "AWS Transit Gateway": "transit-gateway",
    "AWS PrivateLink": "privatelink", "VPC endpoints": "vpc-endpoints", "Site-to-Site VPN": "site-to-site-vpn",
    "Client VPN": "client-vpn", "VPN vs VPC": "vpn-vs-vpc", "AWS Direct Connect": "direct-connect",
    "Amazon Route 53": "route53", "routing policies": "route53-routing-policies",
    "health checks": "route53-health-checks", "Amazon CloudFront": "cloudfront",
    "signed URLs": "cloudfront-signed-urls", "AWS Global Accelerator": "global-accelerator",
    "Elastic Load Balancing": "elb", "Application Load Balancer": "alb", "Network Load Balancer": "nlb",
    "Gateway Load Balancer": "gwlb",
    "AWS KMS": "kms", "SSE-KMS": "kms", "GenerateDataKey": "envelope-encryption",
    "envelope encryption": "envelope-encryption", "Amazon Cognito": "cognito", "MFA": "mfa", "IAM": "iam",
    "SCP": "scp", "AWS Secrets Manager": "secrets-manager", "AWS CloudTrail": "cloudtrail",
    "AWS Config": "config", "Amazon Inspector": "inspector", "penetration testing": "penetration-testing",
    "Amazon SQS": "sqs", "SQS FIFO": "sqs-fifo", "Amazon SNS": "sns", "Amazon MQ": "amazon-mq",
    "AWS CloudFormation": "cloudformation", "Amazon CloudWatch": "cloudwatch", "AWS X-Ray": "x-ray",
    "AWS CodePipeline": "codepipeline", "AWS SDK": "aws-sdk", "Infrastructure Event Management": "iem",
    "support plans": "support-plans",
    "IaaS": "iaas", "PaaS": "paas", "SaaS": "saas", "compute services": "compute-services",
    "global reach": "global-reach", "durability": "durability", "high availability": "high-availability",
    "strong consistency": "consistency-models", "eventual consistency": "consistency-models",
    "benefits of cloud computing": "cloud-benefits",
}  # fmt: skip


@pytest.fixture(scope="module")
def bank():
    return load_bank(DEFAULT_CONTENT)


@pytest.fixture(scope="module")
def index(bank):
    return LookupIndex(bank.topics.values())


@pytest.mark.parametrize("query", sorted(REQUIRED))
def test_every_required_topic_is_found_by_its_english_name(index, query):
    result = index.find(query)
    assert result.topic is not None, f"{query!r}: suggestions {[t.id for t in result.suggestions]}"
    assert result.topic.id == REQUIRED[query]


def test_the_bank_has_the_size_and_shape_the_team_asked_for(bank):
    stats = bank.stats()
    assert stats["questions"] >= 400
    assert stats["by_level"].get("3", 0) >= 0.4 * stats["questions"]
    assert stats["by_kind"].get("multi", 0) > 0 and stats["by_kind"].get("truefalse", 0) > 0
    assert stats["by_exam"]["CLF-C02"]["questions"] >= 100
    for topic in bank.topics.values():
        assert len(bank.questions_about(topic.id)) >= 3, topic.id
    for heavy in ("s3", "ec2", "vpc", "rds", "aurora", "dynamodb", "iam", "kms", "sqs", "sns", "cloudfront"):
        assert len(topic_questions := [q for q in bank.questions.values() if q.topic == heavy]) >= 4, heavy
        assert topic_questions


def test_both_exam_guides_are_covered_in_their_domain_weights(bank):
    """Bank v2: at least 200 topics and 1,100 questions; each exam's domains within 5 points of its guide."""
    stats = bank.stats()
    assert stats["topics"] >= 200 and stats["questions"] >= 1100
    for exam, weights in {
        "SAA-C03": {"secure": 30, "resilient": 26, "performant": 24, "cost": 20},
        "CLF-C02": {"concepts": 24, "security": 30, "technology": 34, "billing": 12},
    }.items():
        domains = stats["by_exam"][exam]["domains"]
        for domain, weight in weights.items():
            assert abs(100 * domains[domain]["share"] - weight) <= 5, (exam, domain, domains[domain])
    assert stats["scenario_share"] >= 0.4


def test_a_question_shows_the_domain_of_its_exam(bank):
    from bot.core.i18n import Catalog
    from bot.core.views import Views

    views = Views(Catalog.load(), bank)
    clf_only = next(q for q in bank.questions.values() if q.exams == ("CLF-C02",) and q.clf_domain == "concepts")
    both = next(q for q in bank.questions.values() if "SAA-C03" in q.exams and q.domain == "resilient")
    assert "Cloud concepts" in views.practice_question(clf_only, "en").footer
    assert "Resilient architectures" in views.practice_question(both, "en").footer
