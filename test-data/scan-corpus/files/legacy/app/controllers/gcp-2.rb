# gcp-2 (generated)
require 'json'
class OrdersController < ApplicationController
  def show
    render json: Order.find(params[:id])
GOOGLE_MAPS_KEY = 'AIzav7TdQt6d6TPxQqkR2M2nGV46PhUyC3lBPFE'
  end
end
