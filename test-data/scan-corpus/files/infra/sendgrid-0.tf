# sendgrid-0 (generated)
provider "aws" {
  region = "eu-west-1"
}
resource "aws_s3_bucket" "assets" {
  bucket = "acme-assets-prod"
sg = SendGridAPIClient("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")
}
